import * as vscode from 'vscode';
import type { Engine, ImageSummary } from '../engine/engine';
import { humanDuration, humanSize } from '../engine/humanize';
import type { EngineTreeModel } from './engineTreeView';

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

export class ImagesModel implements EngineTreeModel<ImageNode> {
  readonly watches = 'image';

  constructor(private readonly showDangling: () => boolean) {}

  async roots(engine: Engine): Promise<ImageNode[]> {
    return groupImages(await engine.listImages(), this.showDangling());
  }

  children(node: ImageNode): ImageNode[] {
    return node.kind === 'repository' ? [...node.tags] : [];
  }

  item(node: ImageNode): vscode.TreeItem {
    if (node.kind === 'repository') {
      const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `repository:${node.name}`;
      item.iconPath = new vscode.ThemeIcon('repo');
      item.description = node.tags.length === 1 ? '1 image' : `${node.tags.length} images`;
      item.contextValue = 'repository';
      return item;
    }
    const now = Date.now();
    const { image } = node;
    const label = node.kind === 'tag' ? node.tag : shortId(image.id);
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.id = node.kind === 'tag' ? `image:${node.reference}` : `image:${image.id}`;
    item.iconPath = new vscode.ThemeIcon(node.kind === 'tag' ? 'tag' : 'circle-outline');
    item.description = `${humanSize(image.size)} · ${humanDuration(now - image.created)} ago`;
    item.contextValue = node.kind === 'tag' ? 'image:tagged' : 'image:dangling';
    const tooltip = new vscode.MarkdownString();
    tooltip.appendText(node.kind === 'tag' ? node.reference : shortId(image.id));
    tooltip.appendMarkdown(`\n\nId: \`${image.id}\`\n\nSize: ${humanSize(image.size)}\n\nCreated: ${new Date(image.created).toLocaleString()}`);
    for (const digest of image.digests) tooltip.appendMarkdown(`\n\nDigest: \`${digest}\``);
    item.tooltip = tooltip;
    return item;
  }
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
