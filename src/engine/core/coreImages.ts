import { familiarReference, parseReference } from '../../core/registry/imageReference';
import type { InspectedImage } from '../../core/store/imageInspect';
import type { StoredImage } from '../../core/store/imageStore';
import type { HistoryEntry, ImageSummary } from '../engine';

/** A store image as the views show a daemon's: familiar names (`busybox:latest`), repo digests. */
export function imageSummary(image: StoredImage): ImageSummary {
  const repos = image.refs.map((r) => parseReference(r));
  return {
    id: image.id,
    tags: repos.map((r) => familiarReference(r)),
    digests: [...new Set(repos.map((r) => `${familiarReference({ ...r, tag: undefined })}@${image.manifest.digest}`))],
    size: image.size,
    created: image.created ? Date.parse(image.created) : 0,
  };
}

/** `docker history`: newest first, a layer's size on the step that made it, the image id on the top step only. */
export function historyEntries(image: InspectedImage): HistoryEntry[] {
  let layer = 0;
  const entries = image.history.map((h) => {
    const size = h.empty_layer ? 0 : (image.layers[layer++]?.size ?? 0);
    return { created: h.created ? Date.parse(h.created) : 0, createdBy: h.created_by ?? '', size, comment: h.comment ?? '', tags: [] as string[] };
  });
  entries.reverse();
  return entries.map((e, i) => (i === 0 ? { ...e, id: image.id, tags: image.refs.map((r) => familiarReference(parseReference(r))) } : e));
}
