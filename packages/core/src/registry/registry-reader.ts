import { decodeAs, decodeTagPage, isValidDigest, isValidRepository, isValidTag, shown } from '../decode/index.js';
import { MANIFEST_ACCEPT } from '../descriptor.js';
import { PushError } from '../errors.js';
import { repositoryScope } from './auth.js';
import type { RegistryClient } from './registry-client.js';
import { registryError } from './registry-error.js';
import { readBody } from './transport.js';

/**
 * What a sync asks of a registry before it copies anything: a repository's tags, and the digest
 * a tag names (one HEAD). A RegistryPool gives one per registry for the whole run.
 */
export interface RegistryReader {
  /** Every tag of the repository, following the registry's `Link` pages, within TAG_LIST_LIMITS. */
  listTags(repository: string): Promise<TagListing>;
  /** The digest `reference` names in `repository`, or undefined when it names nothing. */
  manifestDigest(repository: string, reference: string): Promise<string | undefined>;
}

/** A repository's tags, and the names it listed that are not tags (left out; shown in one warning). */
export interface TagListing {
  tags: string[];
  invalid: string[];
}

const PAGE_SIZE = 1000;
/**
 * Bounds of one repository's list. Real repositories hold hundreds of tags, a busy CI one some
 * thousands; a list past these is a registry gone wrong or hostile (one that lists 100k names
 * made a sync hold 330 MB before it copied anything). The message names the limit.
 */
export const TAG_LIST_LIMITS = { tags: 20_000, pages: 1000, bytes: 16 * 1024 * 1024, pageBytes: 4 * 1024 * 1024 };

export function registryReaderOf(client: RegistryClient, registry: string, signal: AbortSignal | undefined): RegistryReader {
  const pull = (repository: string) => [repositoryScope(repository, ['pull'])];

  return {
    async listTags(repository) {
      const where = `${registry}/${repository}`;
      const listing: TagListing = { tags: [], invalid: [] };
      const read = new Set<string>();
      let bytes = 0;
      let target: string | undefined = `/v2/${repository}/tags/list?n=${PAGE_SIZE}`;
      while (target !== undefined) {
        if (read.size === TAG_LIST_LIMITS.pages) throw tooLong(where, `${TAG_LIST_LIMITS.pages} pages`);
        read.add(target);
        const res = await client.send({ method: 'GET', target, scopes: pull(repository), ...(signal ? { signal } : {}) });
        if (res.status !== 200) throw await registryError(res, `listing the tags of ${where}`);
        const body = await readBody(res.body, TAG_LIST_LIMITS.pageBytes, `${where}: tag list`);
        bytes += body.length;
        if (bytes > TAG_LIST_LIMITS.bytes) throw tooLong(where, `${TAG_LIST_LIMITS.bytes / 1024 / 1024} MiB`);
        const page = decodeAs('REGISTRY', `${where}: tag list`, () => decodeTagPage(body));
        listing.tags.push(...page.tags);
        listing.invalid.push(...page.invalid);
        if (listing.tags.length + listing.invalid.length > TAG_LIST_LIMITS.tags) throw tooLong(where, `${TAG_LIST_LIMITS.tags} tags`);
        target = nextPageOf(where, repository, res.headers['link']);
        // A page already read would be read again and again: a Link back at it is the end of a broken list.
        if (target !== undefined && read.has(target)) throw new PushError('REGISTRY', `${where}: the tag list's Link header leads back to a page already read (${target}); the registry's paging is broken`);
      }
      return listing;
    },
    async manifestDigest(repository, reference) {
      // Both go into the URL: names from a tag list or an index are checked where they enter, and here once more.
      if (!isValidRepository(repository) || !(isValidTag(reference) || isValidDigest(reference))) throw new PushError('INVALID_REFERENCE', `${registry}/${repository}:${reference} is not a valid repository and tag or digest`);
      const res = await client.send({ method: 'HEAD', target: `/v2/${repository}/manifests/${reference}`, scopes: pull(repository), headers: { accept: MANIFEST_ACCEPT }, ...(signal ? { signal } : {}) });
      await res.body.dump();
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw await registryError(res, `looking up ${registry}/${repository}:${reference}`);
      const digest = res.headers['docker-content-digest'];
      if (typeof digest !== 'string') throw new PushError('REGISTRY', `${registry}/${repository}:${reference}: the registry gave no Docker-Content-Digest`);
      if (!isValidDigest(digest)) throw new PushError('REGISTRY', `${registry}/${repository}:${reference}: the registry's Docker-Content-Digest "${shown(digest)}" is not a digest`);
      return digest;
    },
  };
}

function tooLong(where: string, limit: string): PushError {
  return new PushError('REGISTRY', `${where}: the tag list goes on past ${limit}, hoist's limit for one repository; name the tags to copy (REPOSITORY:TAG)`);
}

/**
 * The next page's path: the Link's target, which must be this repository's tag list (only its
 * query may change). A registry that points elsewhere (another repository, another host, a
 * path with `..`) is not followed.
 */
function nextPageOf(where: string, repository: string, link: string | string[] | undefined): string | undefined {
  const next = nextPage(link);
  if (next === undefined) return undefined;
  const url = URL.canParse(next, 'http://registry.invalid') ? new URL(next, 'http://registry.invalid') : undefined;
  if (url?.pathname !== `/v2/${repository}/tags/list`) throw new PushError('REGISTRY', `${where}: the tag list's Link header leads out of the repository's list (${next.slice(0, 200)})`);
  return `${url.pathname}${url.search}`;
}

/** The `rel="next"` target of a `Link` header (distribution: `</v2/app/tags/list?last=x&n=1000>; rel="next"`). */
export function nextPage(link: string | string[] | undefined): string | undefined {
  for (const value of Array.isArray(link) ? link : link ? [link] : []) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(value);
    if (m) return m[1];
  }
  return undefined;
}
