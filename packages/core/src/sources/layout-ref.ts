import { PushError } from '../errors.js';

/**
 * The grammar of `org.opencontainers.image.ref.name` (image-spec annotations.md), which skopeo
 * and umoci hold a layout's refs to:
 *   ref ::= component ("/" component)*;  component ::= alphanum (separator alphanum)*
 *   alphanum ::= [A-Za-z0-9]+;  separator ::= [-._:@+] | "--"
 * So `v1.2`, `feature/login` and `app:1` are refs; `../x`, `a/`, an empty one and any control
 * character are not.
 */
const COMPONENT = '[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*';
const REF_NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);

export function isLayoutRefName(ref: string): boolean {
  return REF_NAME.test(ref);
}

/**
 * Refuses, as a usage error, a ref a layout at `path` is to be written under that the grammar
 * refuses: hoist never writes a ref skopeo could not read back. And an empty `path` (`oci::v1`,
 * `oci:`), which would otherwise fail as mkdir's ENOENT.
 */
export function checkLayoutRefs(path: string, refs: readonly string[]): void {
  if (path === '') throw new PushError('USAGE', 'an oci: destination names no directory: write oci:DIR[:REF]');
  const bad = refs.find((ref) => !isLayoutRefName(ref));
  if (bad === undefined) return;
  throw new PushError(
    'USAGE',
    `oci:${path}: ${JSON.stringify(bad)} is not a valid OCI layout ref (letters and digits joined by one of . _ - : @ + or --, parts separated by /, as in v1.2 or feature/login)`,
  );
}
