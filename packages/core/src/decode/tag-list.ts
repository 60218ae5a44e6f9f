import { DecodeError, jsonObject, parseJson, shown } from './decode-error.js';
import { isValidTag } from './grammar.js';

/** One page of `GET /v2/NAME/tags/list`: the tags of the grammar, and what was not one (shown, for the warning). */
export interface TagPage {
  tags: string[];
  invalid: string[];
}

/**
 * A tag-list page (distribution-spec: `{"name": …, "tags": [...]}`; `null` or no `tags` when
 * there are none). A tag outside the grammar is left out, not fatal: it is the registry's
 * name, and would become a URL path (`../../evil/put-here`) and an output line.
 */
export function decodeTagPage(bytes: Buffer | string): TagPage {
  const body = jsonObject(parseJson(bytes, 'the tag list'), 'the tag list');
  const listed = body['tags'];
  if (listed === undefined || listed === null) return { tags: [], invalid: [] };
  if (!Array.isArray(listed)) throw new DecodeError(`the tag list's "tags" is not a list`);
  const page: TagPage = { tags: [], invalid: [] };
  for (const tag of listed) {
    if (isValidTag(tag)) page.tags.push(tag);
    else page.invalid.push(shown(tag));
  }
  return page;
}
