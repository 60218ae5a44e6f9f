import { afterAll, beforeAll, describe } from 'vitest';
import { describeApiHost } from './api-host.js';
import { describeCreateRepository } from './create-repository.js';
import { describeCredentials } from './credentials.js';
import { describeHosts } from './hosts.js';
import { describeImmutableTags } from './immutable-tags.js';
import { describeMounts } from './mounts.js';
import { describeRefusalHint } from './refusal-hint.js';
import { describeResponseInfo } from './response-info.js';
import type { ConformanceSetup, EndToEnd } from './setup.js';
import { describeUploads } from './uploads.js';

/** Starting a registry with its own CA, token server and certificates takes a few seconds on a busy agent. */
const START_TIMEOUT_MS = 60_000;

/**
 * The conformance kit for registry adapters, ours and contributors'. Call it from a vitest file
 * with a setup. The groups that need a registry share the one the setup starts, each in a
 * repository of its own; a group for something the adapter does not declare (an API host,
 * repository creation, immutable tags, refusal hints, response info) is reported as skipped.
 */
export function describeAdapterConformance(name: string, setup: ConformanceSetup): void {
  describe(`${name} adapter conformance`, () => {
    describeHosts(setup);
    const endToEnd = setup.endToEnd;
    if (!endToEnd) return;

    describe('end to end', () => {
      let e2e: EndToEnd | undefined;
      beforeAll(async () => {
        e2e = await endToEnd();
      }, START_TIMEOUT_MS);
      afterAll(async () => {
        await e2e?.close();
      });
      const world = (): EndToEnd => {
        if (!e2e) throw new Error("the setup's endToEnd() did not start (its error is reported above)");
        return e2e;
      };
      describeCredentials(world);
      describeUploads(world);
      describeMounts(world);
      describeApiHost(world);
      describeCreateRepository(world);
      describeImmutableTags(world);
      describeRefusalHint(world);
      describeResponseInfo(world);
    });
  });
}
