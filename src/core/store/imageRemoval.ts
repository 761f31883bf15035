import { REF_NAME } from './descriptor';
import { normalizeRef, type ImageStore } from './imageStore';
import { StoreError } from './storeErrors';

export interface Removal {
  /** Names taken off. */
  readonly untagged: string[];
  /** The manifest digest of the image removed from the index, when it was (its blobs go at the next gc). */
  readonly deleted?: string;
}

/**
 * `docker rmi` on the store: a name removes that name (and the image with its last name); an id
 * or digest removes the image, which needs `force` when several names point at it.
 */
export async function removeImage(store: ImageStore, text: string, options: { force?: boolean } = {}): Promise<Removal> {
  const descriptor = await store.resolve(text);
  if (!descriptor) throw new StoreError(`no such image in the core store: ${text}`);
  let byName: string | undefined;
  try {
    byName = normalizeRef(text);
  } catch {
    byName = undefined;
  }
  return store.updateIndex((index) => {
    const mine = index.manifests.filter((d) => d.digest === descriptor.digest);
    const names = mine.map((d) => d.annotations?.[REF_NAME]).filter((n): n is string => !!n);
    if (byName && names.includes(byName) && names.length > 1) {
      index.manifests = index.manifests.filter((d) => d.annotations?.[REF_NAME] !== byName);
      return { untagged: [byName] };
    }
    if (!(byName && names.includes(byName)) && names.length > 1 && !options.force) {
      throw new StoreError(`image ${text} has ${names.length} names (${names.join(', ')}): remove them by name, or use --force to remove them all`);
    }
    index.manifests = index.manifests.filter((d) => d.digest !== descriptor.digest);
    return { untagged: names, deleted: descriptor.digest };
  });
}
