import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SeekableArchive, type ArchiveContents } from './archiveContents';
import { layerDescriptions } from './imageConfig';
import { readArchiveImages, type ArchivedImage } from './imageArchive';
import type { ImageDescription, ImageSource, LayerDelivery } from './imageSource';
import { SpooledArchive } from './spooledArchive';

/** An image archive file opened for inspection: the images in it, each an ImageSource. */
export interface OpenedArchive {
  readonly images: readonly ArchivedImage[];
  /** The source for images[i]. */
  source(i: number): ImageSource;
  dispose(): Promise<void>;
}

/**
 * Opens a `docker save` or OCI archive file. An uncompressed one is read in place (its layers are
 * ranges of the file, read in parallel); a gzip-compressed one is first unpacked into a
 * temporary folder. Throws an Error saying why a file is not a usable archive.
 */
export async function openArchive(file: string, signal?: AbortSignal): Promise<OpenedArchive> {
  const head = Buffer.alloc(2);
  const handle = await fs.promises.open(file, 'r');
  try {
    await handle.read(head, 0, 2, 0);
  } finally {
    await handle.close();
  }
  const gzipped = head[0] === 0x1f && head[1] === 0x8b;
  const stat = await fs.promises.stat(file);
  // The file as it is now: a changed archive (another size or time) is another one for the cache.
  const identity = `${await fs.promises.realpath(file)}\0${stat.size}\0${stat.mtimeMs}`;
  const contents = gzipped ? await SpooledArchive.spool(fs.createReadStream(file), { signal }) : await SeekableArchive.open(file);
  const dispose = () => (contents instanceof SpooledArchive ? contents.dispose() : Promise.resolve());
  try {
    const images = await readArchiveImages(contents);
    const label = path.basename(file);
    return {
      images,
      source: (i) => new ArchivedImageSource(contents, images[i], label, identity),
      dispose,
    };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/**
 * One image of an archive: its description from the config, its layers as ranges of the archive.
 * Nothing vouches for an archive's diffIDs: its layers carry a sourceKey (the file and the layer's
 * entry), so they are indexed without hashing whole tars and cached apart (imageSource.ts).
 */
export class ArchivedImageSource implements ImageSource {
  private description: ImageDescription | undefined;

  constructor(
    private readonly contents: ArchiveContents,
    private readonly image: ArchivedImage,
    private readonly label: string,
    /** The archive file's path, size and time. */
    private readonly identity: string,
  ) {}

  describe(): Promise<ImageDescription> {
    const { image } = this;
    return Promise.resolve((this.description ??= {
      name: image.tags[0] ?? this.label,
      origin: `archive ${this.label}`,
      id: image.id,
      tags: image.tags,
      os: image.config.os,
      architecture: image.config.architecture,
      created: image.config.created,
      layers: layerDescriptions(image.config, image.layerBlobs).map((layer, i) => ({
        ...layer,
        sourceKey: crypto.createHash('sha256').update(`${this.identity}\0${image.layerEntries[i]}\0${layer.diffId}`).digest('hex'),
      })),
      history: image.config.history,
    }));
  }

  fetchLayers(layers: readonly number[], deliver: (delivery: LayerDelivery) => void): Promise<void> {
    for (const layer of layers) {
      const name = this.image.layerEntries[layer];
      const range = this.contents.range(name);
      deliver(range ? { layer, bytes: range } : { layer, error: `the archive has no ${name}` });
    }
    return Promise.resolve();
  }

  /** The archive is disposed by its OpenedArchive, which may serve other images. */
  dispose(): Promise<void> {
    return Promise.resolve();
  }
}
