import { REF_NAME, type Descriptor, type Platform } from './descriptor';
import type { ImageStore } from './imageStore';
import { StoreError } from './storeErrors';

export interface ImageConfigDocument {
  created?: string;
  author?: string;
  architecture?: string;
  os?: string;
  variant?: string;
  config?: Record<string, unknown>;
  rootfs?: { type: string; diff_ids: string[] };
  history?: { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }[];
}

export interface InspectedImage {
  /** The config digest (image id). */
  readonly id: string;
  readonly refs: readonly string[];
  /** The index.json entry: a manifest, or an index for a multi-platform image. */
  readonly descriptor: Descriptor;
  /** The platform manifest read (the host's, for an index). */
  readonly manifest: Descriptor;
  readonly platform?: Platform;
  readonly created?: string;
  /** Config plus layers, as stored. */
  readonly size: number;
  readonly layers: readonly (Descriptor & { diffId?: string })[];
  readonly history: NonNullable<ImageConfigDocument['history']>;
  readonly config: ImageConfigDocument;
}

/** What `stevedore inspect`-style commands show of one image: config, layers, history, size. */
export async function inspectImage(store: ImageStore, text: string, platform?: Platform): Promise<InspectedImage> {
  const descriptor = await store.resolve(text);
  if (!descriptor) throw new StoreError(`no such image in the core store: ${text}`);
  const resolved = await store.resolveManifest(descriptor, platform);
  const config = await store.readJson<ImageConfigDocument>(resolved.manifest.config.digest);
  const refs = (await store.entries()).filter((d) => d.digest === descriptor.digest && d.annotations?.[REF_NAME]).map((d) => d.annotations![REF_NAME]);
  const diffIds = config.rootfs?.diff_ids ?? [];
  const layers = resolved.manifest.layers.map((l, i) => ({ ...l, diffId: diffIds[i] }));
  return {
    id: resolved.manifest.config.digest,
    refs,
    descriptor,
    manifest: resolved.descriptor,
    platform: config.os && config.architecture ? { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) } : undefined,
    created: config.created,
    size: resolved.manifest.config.size + layers.reduce((s, l) => s + l.size, 0),
    layers,
    history: config.history ?? [],
    config,
  };
}
