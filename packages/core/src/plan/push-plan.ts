import type { ImageReference } from '../reference.js';
import { startDeadline } from '../deadline.js';
import type { ImageSource } from '../sources/image-source.js';
import { Limiter } from '../push/limiter.js';
import type { PlatformSpec } from '../push/platforms.js';
import { PushPool } from './push-pool.js';
import { transportOptions } from '../push/push-session.js';
import { pushImageIn, type PushOptions, type PushResult } from '../push/push.js';

/** One image of a plan: where it comes from and where it goes. */
export interface PlannedImage {
  /** What results and messages call it (the plan's source spec). */
  name: string;
  /** Opens the source when the image's turn comes; it is closed when the image is done. */
  open: () => Promise<ImageSource>;
  destinations: readonly ImageReference[];
  /** Tags added at every destination. */
  tags?: readonly string[];
  /** Only these platforms of an index; all when empty. */
  platforms?: readonly PlatformSpec[];
}

/** Everything pushImage takes for a single image, given once for all of them. */
export type PlanOptions = Omit<PushOptions, 'source' | 'destinations' | 'tags' | 'platforms' | 'layoutDestinations' | 'daemonDestinations'> & {
  images: readonly PlannedImage[];
  /** Images in flight at once (default DEFAULT_IMAGES_AT_ONCE); their blob transfers share each registry's limit. */
  imagesAtOnce?: number;
};

export type PlannedResult = { name: string; result: PushResult; error?: undefined } | { name: string; error: unknown; result?: undefined };

export const DEFAULT_IMAGES_AT_ONCE = 8;

/**
 * Pushes every image of a plan, concurrently, as one push: one connection pool, token cache and
 * blob-transfer limit per registry, and a blob several images share (a base layer) uploaded once
 * per registry and mounted into the other repositories (PushPool). An image that fails moves no
 * tag and stops no other; each has its result, in the plan's order. The time limit, if any, is
 * the whole plan's.
 */
export async function pushImages(options: PlanOptions): Promise<PlannedResult[]> {
  const { images, imagesAtOnce = DEFAULT_IMAGES_AT_ONCE, ...shared } = options;
  const deadline = shared.deadline ?? startDeadline(shared.timeoutMs);
  const planSignal = shared.signal ? AbortSignal.any([shared.signal, deadline.signal]) : deadline.signal;
  const pool = new PushPool(transportOptions(shared), deadline.remainingMs(), planSignal);
  const limiter = new Limiter(imagesAtOnce);
  try {
    return await Promise.all(
      images.map((image) =>
        limiter.run(async (): Promise<PlannedResult> => {
          let source: ImageSource | undefined;
          try {
            source = await image.open();
            const result = await pushImageIn({ ...shared, deadline, source, destinations: image.destinations, tags: image.tags ?? [], platforms: image.platforms ?? [] }, pool);
            return { name: image.name, result };
          } catch (error) {
            return { name: image.name, error };
          } finally {
            await source?.close?.();
          }
        }),
      ),
    );
  } finally {
    if (!shared.deadline) deadline.clear();
    await pool.close();
  }
}
