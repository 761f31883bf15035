import type { ImageSummary } from '../engine/engine';
import { compareBy, matchesFilter, type ViewOptions } from './viewOptions';

export type ImageNode =
  | { readonly kind: 'repository'; readonly name: string; readonly tags: readonly ImageNode[] }
  | { readonly kind: 'tag'; readonly reference: string; readonly tag: string; readonly image: ImageSummary }
  | { readonly kind: 'dangling'; readonly image: ImageSummary };

/** The label of the group holding untagged images, as `docker images` shows them. */
export const DANGLING_GROUP = '<none>';

const DEFAULT_OPTIONS: ViewOptions = { filter: '', sort: 'name' };

/**
 * Images grouped by repository, tags as children (newest first), untagged images last under
 * `<none>` when shown. The filter keeps the tags whose reference or id matches; the sort orders
 * repositories by name, by their newest image, or by their largest image.
 */
export function groupImages(images: readonly ImageSummary[], showDangling: boolean, options: ViewOptions = DEFAULT_OPTIONS): ImageNode[] {
  const byRepository = new Map<string, Extract<ImageNode, { kind: 'tag' }>[]>();
  const dangling: ImageNode[] = [];
  const newestFirst = [...images].sort((a, b) => b.created - a.created);
  for (const image of newestFirst) {
    if (image.tags.length === 0) {
      if (showDangling && matchesFilter(options.filter, DANGLING_GROUP, shortId(image.id))) dangling.push({ kind: 'dangling', image });
      continue;
    }
    for (const reference of image.tags) {
      if (!matchesFilter(options.filter, reference, shortId(image.id))) continue;
      const colon = reference.lastIndexOf(':');
      const slash = reference.lastIndexOf('/');
      const [name, tag] = colon > slash ? [reference.slice(0, colon), reference.slice(colon + 1)] : [reference, 'latest'];
      const tags = byRepository.get(name) ?? [];
      tags.push({ kind: 'tag', reference, tag, image });
      byRepository.set(name, tags);
    }
  }
  type Repo = [name: string, tags: Extract<ImageNode, { kind: 'tag' }>[]];
  const order = compareBy<Repo>(options.sort, ([name]) => name, ([, tags]) => Math.max(...tags.map((t) => t.image.created)), ([, tags]) => Math.max(...tags.map((t) => t.image.size)));
  const roots: ImageNode[] = [...byRepository.entries()].sort(order).map(([name, tags]) => ({ kind: 'repository', name, tags }));
  if (dangling.length) roots.push({ kind: 'repository', name: DANGLING_GROUP, tags: dangling });
  return roots;
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
