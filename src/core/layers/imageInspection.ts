import type { ImageDescription, ImageSource, LayerDelivery } from './imageSource';
import type { LayerIndexCache } from './layerCache';
import { readLayerMeta } from './layerIndex';
import type { LayerIndexPool } from './layerIndexPool';

export interface InspectionListener {
  /** The layers and history, before any layer is read (and again if the source learns better). */
  description?(description: ImageDescription): void;
  /** Stored bytes of `layer` read so far. */
  progress?(layer: number, storedBytes: number): void;
  /** A layer's encoded index (layerIndex.ts), from the cache or just read. */
  layer?(layer: number, encoded: Uint8Array, cached: boolean): void;
  /** A layer that could not be read, and why; the other layers still come. */
  layerFailed?(layer: number, message: string): void;
}

export type LayerOutcome = { readonly encoded: Uint8Array; readonly cached: boolean } | { readonly error: string };

export interface Inspection {
  readonly description: ImageDescription;
  /** Per layer position. */
  readonly layers: readonly LayerOutcome[];
}

/**
 * Indexes every layer of an image: from the cache when an index of the same content exists,
 * otherwise read once (in parallel, on the pool's workers) and cached. A layer whose content does
 * not match the diffID its config claims is an error and is not cached: the cache is keyed by the
 * digest of what was actually read. A layer with a sourceKey (an archive file's) is indexed as it
 * is, under its claimed diffID, and cached under that key only.
 */
export async function inspectImage(source: ImageSource, options: { pool: LayerIndexPool; cache?: LayerIndexCache; listener?: InspectionListener; signal?: AbortSignal }): Promise<Inspection> {
  const { pool, cache, listener, signal } = options;
  let description = await source.describe(signal);
  listener?.description?.(description);
  const outcomes: (LayerOutcome | undefined)[] = description.layers.map(() => undefined);
  const settle = (layer: number, outcome: LayerOutcome) => {
    outcomes[layer] = outcome;
    if ('error' in outcome) listener?.layerFailed?.(layer, outcome.error);
    else listener?.layer?.(layer, outcome.encoded, outcome.cached);
  };
  // The same content at several positions (two empty layers) is read once.
  const positions = new Map<string, number[]>();
  description.layers.forEach((l, i) => positions.set(l.diffId, [...(positions.get(l.diffId) ?? []), i]));
  const missing: number[] = [];
  for (const [diffId, at] of positions) {
    const encoded = await cache?.get(diffId, description.layers[at[0]].sourceKey);
    if (encoded) for (const i of at) settle(i, { encoded, cached: true });
    else missing.push(at[0]);
  }

  if (missing.length) {
    pool.warm();
    const jobs: Promise<void>[] = [];
    const onDelivery = (delivery: LayerDelivery) => {
      const same = positions.get(description.layers[delivery.layer].diffId) ?? [delivery.layer];
      if ('error' in delivery) {
        for (const i of same) settle(i, { error: delivery.error });
        return;
      }
      const { diffId: expected, sourceKey } = description.layers[delivery.layer];
      jobs.push(
        pool.index(delivery.bytes, { signal, knownDiffId: delivery.diffId ?? (sourceKey ? expected : undefined), onProgress: (bytes) => listener?.progress?.(delivery.layer, bytes) })
          .then(async (encoded) => {
            const actual = readLayerMeta(encoded).diffId;
            if (actual !== expected) throw new Error(`its content (sha256 ${actual.slice(7, 19)}…) is not what the image config says (${expected.slice(7, 19)}…): the image is corrupt or was altered`);
            await cache?.put(encoded, sourceKey);
            for (const i of same) settle(i, { encoded, cached: false });
          })
          .catch((err: unknown) => {
            if (signal?.aborted) return;
            const message = err instanceof Error ? err.message : String(err);
            for (const i of same) settle(i, { error: `layer ${delivery.layer + 1}: ${message}` });
          })
          .finally(() => delivery.release?.()),
      );
    };
    let failure: string | undefined;
    try {
      await source.fetchLayers(missing, onDelivery, signal);
    } catch (err) {
      // The layers read so far stay; the others say why they are missing.
      failure = err instanceof Error ? err.message : String(err);
    } finally {
      await Promise.all(jobs);
    }
    signal?.throwIfAborted();
    if (!failure) {
      const refined = await source.describe(signal);
      if (refined !== description) {
        description = refined;
        listener?.description?.(description);
      }
    }
    for (const i of missing) {
      for (const j of positions.get(description.layers[i].diffId) ?? [i]) {
        if (!outcomes[j]) settle(j, { error: failure ?? `layer ${j + 1}: the source did not provide it` });
      }
    }
  }
  return { description, layers: outcomes as LayerOutcome[] };
}
