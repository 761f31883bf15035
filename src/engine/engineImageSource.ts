import fs from 'node:fs';
import { readArchiveImages } from '../core/layers/imageArchive';
import { layerDescriptions, parseImageConfig } from '../core/layers/imageConfig';
import type { HistoryStep, ImageDescription, ImageSource, LayerDelivery } from '../core/layers/imageSource';
import type { LayerIndexCache } from '../core/layers/layerCache';
import { SpooledArchive } from '../core/layers/spooledArchive';
import type { Engine, HistoryEntry } from './engine';

/**
 * An engine's image as an inspector source. The layer list comes from the engine's inspect and
 * history (or, once seen, the image's own config), before anything is exported; the layers come
 * from the engine's export (`docker save`), spooled to a temporary folder as it streams and
 * handed on one by one as each is complete, matched to the image's layers by their digest (an
 * export's layers are uncompressed, so their digest is their diffID).
 */
export class EngineImageSource implements ImageSource {
  private description: ImageDescription | undefined;
  private spooled: SpooledArchive | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly reference: string,
    /** What the panel says the image comes from, e.g. "Docker Engine 20.10.24". */
    private readonly origin: string,
    private readonly cache?: LayerIndexCache,
  ) {}

  async describe(): Promise<ImageDescription> {
    if (this.description) return this.description;
    const [inspected, history] = await Promise.all([this.engine.inspectImage(this.reference), this.engine.imageHistory(this.reference)]);
    const raw = inspected.raw as { Id?: unknown; RepoTags?: unknown; Os?: unknown; Architecture?: unknown; RootFS?: { Layers?: unknown } };
    const id = typeof raw.Id === 'string' ? raw.Id : inspected.summary.id;
    const fromConfig = this.describeFromConfig(id, inspected.summary.tags, await this.cache?.getConfig(id));
    if (fromConfig) return (this.description = fromConfig);
    const diffIds = Array.isArray(raw.RootFS?.Layers) ? raw.RootFS.Layers.filter((l): l is string => typeof l === 'string') : [];
    return (this.description = {
      name: this.reference,
      origin: this.origin,
      id,
      tags: inspected.summary.tags,
      os: typeof raw.Os === 'string' ? raw.Os : undefined,
      architecture: typeof raw.Architecture === 'string' ? raw.Architecture : undefined,
      created: inspected.summary.created,
      layers: diffIds.map((diffId) => ({ diffId })),
      history: stepsFromHistory(history, diffIds.length),
    });
  }

  async fetchLayers(layers: readonly number[], deliver: (delivery: LayerDelivery) => void, signal?: AbortSignal): Promise<void> {
    const description = await this.describe();
    const wanted = new Map(layers.map((i) => [description.layers[i].diffId, i]));
    const known = new Set(description.layers.map((l) => l.diffId));
    const stream = await this.engine.saveImage(this.reference, signal);
    this.spooled = await SpooledArchive.spool(stream, {
      signal,
      onEntry: (entry) => {
        const layer = wanted.get(entry.digest);
        if (layer !== undefined) {
          wanted.delete(entry.digest);
          // The spool hashed these bytes as it wrote them, and they are the uncompressed tar: that is the diffID.
          deliver({ layer, bytes: { path: entry.path, offset: 0, length: entry.length }, diffId: entry.digest, release: () => fs.rmSync(entry.path, { force: true }) });
        } else if (known.has(entry.digest)) {
          fs.rmSync(entry.path, { force: true }); // a layer indexed before: not needed again
        }
      },
    });
    for (const [diffId, layer] of wanted) deliver({ layer, error: `the engine's export of ${this.reference} has no layer ${diffId.slice(0, 19)}…` });
    // The export holds the image's config: its exact history replaces the one guessed from the API.
    const image = (await readArchiveImages(this.spooled).catch(() => [])).find((i) => i.id === description.id);
    if (image) {
      const bytes = await this.spooled.read(image.configEntry);
      await this.cache?.putConfig(bytes);
      this.description = this.describeFromConfig(description.id!, description.tags, bytes) ?? description;
    }
  }

  async dispose(): Promise<void> {
    await this.spooled?.dispose();
  }

  private describeFromConfig(id: string, tags: readonly string[], bytes: Buffer | undefined): ImageDescription | undefined {
    if (!bytes) return undefined;
    let config;
    try {
      config = parseImageConfig(JSON.parse(bytes.toString('utf8')));
    } catch {
      return undefined;
    }
    return {
      name: this.reference,
      origin: this.origin,
      id,
      tags,
      os: config.os,
      architecture: config.architecture,
      created: config.created,
      layers: layerDescriptions(config),
      history: config.history,
    };
  }
}

/** Instructions that change no files in either builder's wording (`#(nop)` is the classic builder's). */
const METADATA_ONLY = /^(\/bin\/sh -c #\(nop\)\s+(?!(ADD|COPY)\b)|(ENV|LABEL|CMD|ENTRYPOINT|EXPOSE|USER|ARG|VOLUME|STOPSIGNAL|HEALTHCHECK|SHELL|ONBUILD|MAINTAINER)\b)/;

/**
 * The image's steps, oldest first, from the engine's history (newest first), each tied to the
 * layer it made. The API does not say which steps made a layer: a step did when it has a size or
 * is not a metadata-only instruction; if that does not account for every layer exactly, the
 * zero-size steps are dropped (oldest first) or layers added without a step. The image's config,
 * once the export brings it, replaces this guess.
 */
export function stepsFromHistory(history: readonly HistoryEntry[], layerCount: number): HistoryStep[] {
  const oldestFirst = [...history].reverse();
  const makes = oldestFirst.map((h) => h.size > 0 || !METADATA_ONLY.test(h.createdBy));
  let count = makes.filter(Boolean).length;
  for (let i = 0; i < makes.length && count > layerCount; i++) {
    if (makes[i] && oldestFirst[i].size === 0) {
      makes[i] = false;
      count--;
    }
  }
  let next = 0;
  const steps: HistoryStep[] = oldestFirst.map((h, i) => ({
    createdBy: h.createdBy,
    created: h.created || undefined,
    comment: h.comment || undefined,
    layer: makes[i] && next < layerCount ? next++ : undefined,
  }));
  for (; next < layerCount; next++) steps.push({ createdBy: '', layer: next });
  return steps;
}
