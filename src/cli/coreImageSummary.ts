import { familiarReference, parseReference } from '../core/registry/imageReference';
import type { StoredImage } from '../core/store/imageStore';
import type { ImageSummary } from '../engine/engine';

/** A core image in the shape `images --json` gives for a daemon's, so scripts read both alike. */
export function coreImageSummary(image: StoredImage): ImageSummary & { manifest: string; error?: string } {
  const repos = image.refs.map((r) => parseReference(r));
  return {
    id: image.id,
    tags: image.refs.map((r) => familiarReference(parseReference(r))),
    digests: [...new Set(repos.map((r) => `${familiarReference({ ...r, tag: undefined })}@${image.manifest.digest}`))],
    size: image.size,
    created: image.created ? Date.parse(image.created) : 0,
    manifest: image.manifest.digest,
    ...(image.error ? { error: image.error } : {}),
  };
}
