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
  /** Every tag of the repository, following the registry's `Link` pages. */
  listTags(repository: string): Promise<string[]>;
  /** The digest `reference` names in `repository`, or undefined when it names nothing. */
  manifestDigest(repository: string, reference: string): Promise<string | undefined>;
}

const PAGE_SIZE = 1000;
const MAX_PAGES = 1000;
const MAX_PAGE_BYTES = 4 * 1024 * 1024;

export function registryReaderOf(client: RegistryClient, registry: string, signal: AbortSignal | undefined): RegistryReader {
  const pull = (repository: string) => [repositoryScope(repository, ['pull'])];

  return {
    async listTags(repository) {
      const tags: string[] = [];
      let target: string | undefined = `/v2/${repository}/tags/list?n=${PAGE_SIZE}`;
      for (let page = 0; target !== undefined; page++) {
        if (page === MAX_PAGES) throw new PushError('REGISTRY', `${registry}/${repository}: the tag list goes on past ${MAX_PAGES} pages`);
        const res = await client.send({ method: 'GET', target, scopes: pull(repository), ...(signal ? { signal } : {}) });
        if (res.status !== 200) throw await registryError(res, `listing the tags of ${registry}/${repository}`);
        const body = JSON.parse((await readBody(res.body, MAX_PAGE_BYTES, `${registry}/${repository}: tag list`)).toString('utf8')) as { tags?: unknown };
        if (Array.isArray(body.tags)) tags.push(...body.tags.filter((t): t is string => typeof t === 'string'));
        target = nextPage(res.headers['link']);
      }
      return tags;
    },
    async manifestDigest(repository, reference) {
      const res = await client.send({ method: 'HEAD', target: `/v2/${repository}/manifests/${reference}`, scopes: pull(repository), headers: { accept: MANIFEST_ACCEPT }, ...(signal ? { signal } : {}) });
      await res.body.dump();
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw await registryError(res, `looking up ${registry}/${repository}:${reference}`);
      const digest = res.headers['docker-content-digest'];
      if (typeof digest !== 'string') throw new PushError('REGISTRY', `${registry}/${repository}:${reference}: the registry gave no Docker-Content-Digest`);
      return digest;
    },
  };
}

/** The `rel="next"` target of a `Link` header (distribution: `</v2/app/tags/list?last=x&n=1000>; rel="next"`). */
export function nextPage(link: string | string[] | undefined): string | undefined {
  for (const value of Array.isArray(link) ? link : link ? [link] : []) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(value);
    if (m) return m[1];
  }
  return undefined;
}
