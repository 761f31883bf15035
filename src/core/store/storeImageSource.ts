import { layerDescriptions, parseImageConfig } from '../layers/imageConfig';
import type { ImageDescription, ImageSource, LayerDelivery } from '../layers/imageSource';
import { inspectImage } from './imageInspect';
import type { ImageStore } from './imageStore';

/**
 * An image of the core store for the layer inspector: its layers are the blob files, read in
 * place. An uncompressed layer's blob digest is its diffID, verified when it was stored, so the
 * indexer need not hash it again.
 */
export class StoreImageSource implements ImageSource {
  private description: ImageDescription | undefined;
  private layerBlobs: { digest: string; size: number }[] = [];

  constructor(private readonly store: ImageStore, private readonly name: string) {}

  async describe(): Promise<ImageDescription> {
    if (this.description) return this.description;
    const image = await inspectImage(this.store, this.name);
    const config = parseImageConfig(image.config);
    this.layerBlobs = image.layers.map((l) => ({ digest: l.digest, size: l.size }));
    return (this.description = {
      name: this.name,
      origin: `core store ${this.store.root}`,
      id: image.id,
      tags: image.refs,
      os: config.os,
      architecture: config.architecture,
      created: config.created,
      layers: layerDescriptions(config, this.layerBlobs.map((b) => ({ digest: b.digest, storedSize: b.size }))),
      history: config.history,
    });
  }

  async fetchLayers(layers: readonly number[], deliver: (delivery: LayerDelivery) => void): Promise<void> {
    const description = await this.describe();
    for (const layer of layers) {
      const blob = this.layerBlobs[layer];
      if (!blob || !(await this.store.hasBlob(blob.digest))) {
        deliver({ layer, error: `layer ${layer + 1} (${blob?.digest ?? 'unknown'}) is not in the core store (run "stevedore fsck")` });
        continue;
      }
      const diffId = description.layers[layer].diffId;
      deliver({ layer, bytes: { path: this.store.blobPath(blob.digest), offset: 0, length: blob.size }, ...(blob.digest === diffId ? { diffId } : {}) });
    }
  }

  dispose(): Promise<void> {
    return Promise.resolve();
  }
}
