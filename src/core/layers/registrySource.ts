import { formatReference, type ImageReference } from '../registry/imageReference';
import type { Platform } from '../registry/ociTypes';
import type { RegistryClient } from '../registry/registryClient';
import { layerDescriptions, parseImageConfig } from './imageConfig';
import type { ImageDescription, ImageSource, LayerDelivery } from './imageSource';
import type { LayerIndexCache } from './layerCache';

/** Layer downloads open at once: each is consumed by the pool as it arrives, so more would only hold connections. */
const DEFAULT_CONCURRENCY = 3;
const MAX_CONFIG = 16 << 20;

/**
 * An image in a registry as an inspector source, without a pull: the manifest (for the platform
 * asked, the host's by default) and the config give the layer list; each layer is the blob's
 * download stream, handed to the indexer as it arrives (the client checks the blob's digest, the
 * indexer the uncompressed content against the config's diffID). Layers already indexed, by
 * diffID, are never downloaded (inspectImage asks only for the missing ones).
 */
export class RegistryImageSource implements ImageSource {
  private description: Promise<ImageDescription> | undefined;
  private blobs: { digest: string; size: number }[] = [];

  constructor(
    private readonly client: RegistryClient,
    private readonly reference: ImageReference,
    private readonly options: { platform?: Platform; cache?: LayerIndexCache; concurrency?: number; origin?: string } = {},
  ) {}

  describe(signal?: AbortSignal): Promise<ImageDescription> {
    this.description ??= this.read(signal);
    this.description.catch(() => (this.description = undefined));
    return this.description;
  }

  async fetchLayers(layers: readonly number[], deliver: (delivery: LayerDelivery) => void, signal?: AbortSignal): Promise<void> {
    await this.describe(signal);
    const queue = [...layers];
    const limit = Math.max(1, this.options.concurrency ?? DEFAULT_CONCURRENCY);
    // A slot is freed when the indexer has read the layer (release) or its download failed.
    await new Promise<void>((resolve) => {
      let open = 0;
      const next = () => {
        while (open < limit && queue.length) {
          const layer = queue.shift()!;
          open++;
          let freed = false;
          const free = () => {
            if (freed) return;
            freed = true;
            open--;
            next();
          };
          this.client.getBlob(this.reference, this.blobs[layer], { signal })
            .then((stream) => deliver({ layer, bytes: stream as AsyncIterable<Uint8Array>, release: free }))
            .catch((err: unknown) => {
              deliver({ layer, error: err instanceof Error ? err.message : String(err) });
              free();
            });
        }
        if (!open && !queue.length) resolve();
      };
      next();
    });
  }

  dispose(): Promise<void> {
    return Promise.resolve();
  }

  private async read(signal?: AbortSignal): Promise<ImageDescription> {
    const ref = this.reference;
    const { manifest, descriptor } = await this.client.resolvePlatformManifest(ref, this.options.platform);
    const configId = manifest.config.digest;
    let bytes = await this.options.cache?.getConfig(configId);
    if (!bytes) {
      if (manifest.config.size > MAX_CONFIG) throw new Error(`${formatReference(ref)}: the image config is ${manifest.config.size} bytes, too large to be one`);
      const chunks: Buffer[] = [];
      for await (const chunk of (await this.client.getBlob(ref, manifest.config, { signal })) as AsyncIterable<Buffer>) chunks.push(chunk);
      bytes = Buffer.concat(chunks);
      await this.options.cache?.putConfig(bytes);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new Error(`${formatReference(ref)}: the image config ${configId} is not JSON`);
    }
    const config = parseImageConfig(parsed);
    if (config.diffIds.length !== manifest.layers.length) {
      throw new Error(`${formatReference(ref)}: the manifest has ${manifest.layers.length} layers but its config ${config.diffIds.length}`);
    }
    this.blobs = manifest.layers.map((l) => ({ digest: l.digest, size: l.size }));
    return {
      name: formatReference(ref),
      origin: this.options.origin ?? `registry ${ref.domain}`,
      id: configId,
      tags: ref.tag ? [formatReference({ ...ref, digest: undefined })] : [],
      os: config.os ?? descriptor.platform?.os,
      architecture: config.architecture ?? descriptor.platform?.architecture,
      created: config.created,
      layers: layerDescriptions(config, manifest.layers.map((l) => ({ digest: l.digest, storedSize: l.size }))),
      history: config.history,
    };
  }
}
