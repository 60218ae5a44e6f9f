import semver from 'semver';
import { PushError } from '../errors.js';

/**
 * Which tags of a repository a sync copies. `pattern` must match the whole tag (`1\.2\..*`, not
 * any tag containing it); `semver` is a range as npm writes them (`>=1.2 <2`, `^3.1`), met by
 * the tags that read as versions (`v1.2.3` too); `newest` keeps that many of the highest
 * versions. Each narrows what the others left; none given, every tag.
 */
export interface TagSelection {
  pattern?: string;
  semver?: string;
  newest?: number;
}

export function selectTags(tags: readonly string[], selection: TagSelection): string[] {
  let kept = [...new Set(tags)];
  if (selection.pattern !== undefined) {
    const whole = wholeMatch(selection.pattern);
    kept = kept.filter((tag) => whole.test(tag));
  }
  if (selection.semver !== undefined) {
    const range = semver.validRange(selection.semver, { loose: true });
    if (range === null) throw new PushError('USAGE', `"${selection.semver}" is not a version range (as npm writes them: ">=1.2 <2", "^3.1", "1.x")`);
    kept = kept.filter((tag) => versionOf(tag) !== undefined && semver.satisfies(versionOf(tag)!, range, { loose: true }));
  }
  if (selection.newest !== undefined) {
    kept = kept
      .filter((tag) => versionOf(tag) !== undefined)
      .sort((a, b) => semver.rcompare(versionOf(a)!, versionOf(b)!))
      .slice(0, selection.newest);
  }
  return kept;
}

function versionOf(tag: string): string | undefined {
  return semver.valid(tag, { loose: true }) ?? undefined;
}

function wholeMatch(pattern: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (error) {
    throw new PushError('USAGE', `"${pattern}" is not a regular expression: ${(error as Error).message}`);
  }
}
