/** `1 layer`, `2 layers`: a count and its noun in the number the count takes. */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}
