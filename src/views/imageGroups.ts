import type { ImageSummary } from '../engine/engine';

export type ImageNode =
  | { readonly kind: 'repository'; readonly name: string; readonly tags: readonly ImageNode[] }
  | { readonly kind: 'tag'; readonly reference: string; readonly tag: string; readonly image: ImageSummary }
  | { readonly kind: 'dangling'; readonly image: ImageSummary };

/** The label of the group holding untagged images, as `docker images` shows them. */
export const DANGLING_GROUP = '<none>';

/** Images grouped by repository, tags as children, newest first inside a repository. */
export function groupImages(images: readonly ImageSummary[], showDangling: boolean): ImageNode[] {
  const byRepository = new Map<string, ImageNode[]>();
  const dangling: ImageNode[] = [];
  const newestFirst = [...images].sort((a, b) => b.created - a.created);
  for (const image of newestFirst) {
    if (image.tags.length === 0) {
      dangling.push({ kind: 'dangling', image });
      continue;
    }
    for (const reference of image.tags) {
      const colon = reference.lastIndexOf(':');
      const slash = reference.lastIndexOf('/');
      const [name, tag] = colon > slash ? [reference.slice(0, colon), reference.slice(colon + 1)] : [reference, 'latest'];
      const tags = byRepository.get(name) ?? [];
      tags.push({ kind: 'tag', reference, tag, image });
      byRepository.set(name, tags);
    }
  }
  const roots: ImageNode[] = [...byRepository.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, tags]) => ({ kind: 'repository', name, tags }));
  if (showDangling && dangling.length) roots.push({ kind: 'repository', name: DANGLING_GROUP, tags: dangling });
  return roots;
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
