import * as vscode from 'vscode';
import type { Engine, EngineEvent } from '../engine/engine';
import { humanDuration, humanSize } from '../engine/humanize';
import type { EngineTreeModel } from './engineTreeView';
import { groupImages, shortId, type ImageNode } from './imageGroups';
import { ImageList } from './imageList';
import type { ViewOptions } from './viewOptions';

export class ImagesModel implements EngineTreeModel<ImageNode> {
  readonly watches = new Set(['image'] as const);
  private readonly list = new ImageList();

  constructor(private readonly showDangling: () => boolean) {}

  load(engine: Engine): Promise<void> {
    return this.list.load(engine);
  }

  apply(engine: Engine, events: readonly EngineEvent[]): Promise<boolean> {
    return this.list.apply(engine, events);
  }

  roots(options: ViewOptions): ImageNode[] {
    return groupImages(this.list.all(), this.showDangling(), options);
  }

  children(node: ImageNode): ImageNode[] {
    return node.kind === 'repository' ? [...node.tags] : [];
  }

  clear(): void {
    this.list.clear();
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
