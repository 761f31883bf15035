import { isIndexMediaType, REF_NAME, type Descriptor, type ImageIndex, type ImageManifest } from './descriptor';
import type { ImageStore } from './imageStore';

/** A blob an index.json entry reaches, and whether it is stored. */
export interface ReachedBlob {
  readonly digest: string;
  readonly kind: 'index' | 'manifest' | 'config' | 'layer';
  /** The name (or manifest digest) of the image it belongs to. */
  readonly image: string;
  readonly present: boolean;
  /**
   * A platform manifest of an index that is not stored: a multi-platform image kept for some of
   * its platforms only (as containerd keeps them), not damage.
   */
  readonly optional: boolean;
  /** Why a stored index or manifest could not be read (not JSON): its blobs are then not followed. */
  readonly unreadable?: string;
}

/**
 * Every blob the index reaches: indexes → their manifests, manifests → config and layers. A blob
 * that is not stored is reported (present: false) and not followed.
 */
export async function reachableBlobs(store: ImageStore, entries?: readonly Descriptor[]): Promise<ReachedBlob[]> {
  const found: ReachedBlob[] = [];
  const seen = new Set<string>();
  const visit = async (d: Descriptor, image: string, kind: ReachedBlob['kind'], optional: boolean): Promise<void> => {
    const key = `${image}\0${d.digest}`;
    if (seen.has(key)) return;
    seen.add(key);
    const present = await store.hasBlob(d.digest);
    const reached = { digest: d.digest, kind, image, present, optional: optional && !present };
    if (!present || kind === 'config' || kind === 'layer') {
      found.push(reached);
      return;
    }
    let document: ImageIndex & ImageManifest;
    try {
      document = await store.readJson<ImageIndex & ImageManifest>(d.digest);
    } catch (err) {
      found.push({ ...reached, unreadable: (err as Error).message });
      return;
    }
    found.push(reached);
    if (kind === 'index') {
      for (const m of document.manifests ?? []) await visit(m, image, isIndexMediaType(m.mediaType) ? 'index' : 'manifest', true);
      return;
    }
    if (document.config) await visit(document.config, image, 'config', false);
    for (const layer of document.layers ?? []) await visit(layer, image, 'layer', false);
  };
  for (const entry of entries ?? (await store.entries())) {
    await visit(entry, entry.annotations?.[REF_NAME] ?? entry.digest, isIndexMediaType(entry.mediaType) ? 'index' : 'manifest', false);
  }
  return found;
}
