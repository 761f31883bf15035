import { MARK, ROOT, type ImageTree, type TreeView } from '../core/layers/imageTree';
import { KIND } from '../core/layers/layerIndex';

/**
 * Which rows the inspector's file tree shows, in order: the nodes of a layer's view, filtered
 * (only changes, a path filter), sorted (directories first, by name or by rolled-up size), under
 * expanded directories only. Pure: the webview renders the rows, tests check them.
 */
export interface RowOptions {
  readonly onlyChanges: boolean;
  readonly sort: 'name' | 'size';
  /** Undefined: no filter. */
  readonly matches?: (path: string) => boolean;
  readonly expanded: ReadonlySet<number>;
}

export interface Rows {
  readonly nodes: Int32Array;
  readonly depths: Uint16Array;
  readonly count: number;
  /** With a filter: the directories holding a match (to expand them); else undefined. */
  readonly matchedDirectories?: ReadonlySet<number>;
}

/** A filter by glob (`*`, `**`, `?`, `[...]`) when the text has one, else by substring (any case). Undefined for an empty text. */
export function pathMatcher(text: string): ((path: string) => boolean) | undefined {
  const pattern = text.trim();
  if (!pattern) return undefined;
  if (!/[*?[]/.test(pattern)) {
    const needle = pattern.toLowerCase().replace(/^\/+/, '');
    return (path) => path.toLowerCase().includes(needle);
  }
  const anchored = pattern.replace(/^\/+/, '');
  const regex = new RegExp(`^${globToRegex(anchored)}$`);
  // A glob without a slash names a file anywhere (`*.so`), as in .gitignore; with one, a path from the root.
  return anchored.includes('/') ? (path) => regex.test(path) : (path) => regex.test(path.slice(path.lastIndexOf('/') + 1));
}

function globToRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      out += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        out += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return out;
}

export function isDirectory(tree: ImageTree, view: TreeView, node: number): boolean {
  if (tree.childrenOf(node).some((c) => view.marks[c])) return true;
  const snapshot = view.marks[node] === MARK.removed ? view.base : view.top;
  const entry = tree.entryOf(snapshot, node);
  return !entry || entry.index.kinds[entry.entry] === KIND.directory;
}

/** The children a row list shows under `node`, sorted; cached per view and sort by the caller's map. */
function sortedChildren(tree: ImageTree, view: TreeView, node: number, sort: RowOptions['sort']): number[] {
  const children = tree.childrenOf(node).filter((c) => view.marks[c]);
  const dir = new Map(children.map((c) => [c, isDirectory(tree, view, c)]));
  return children.sort((a, b) => {
    if (dir.get(a) !== dir.get(b)) return dir.get(a) ? -1 : 1;
    if (sort === 'size' && view.sizes[a] !== view.sizes[b]) return view.sizes[b] - view.sizes[a];
    const x = tree.names[a];
    const y = tree.names[b];
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

export class RowModel {
  private readonly sorted = new Map<number, number[]>();
  private keep: Uint8Array | undefined;
  private keepFor: ((path: string) => boolean) | undefined;

  constructor(
    readonly tree: ImageTree,
    readonly view: TreeView,
    readonly sort: RowOptions['sort'],
  ) {}

  children(node: number): number[] {
    let list = this.sorted.get(node);
    if (!list) this.sorted.set(node, (list = sortedChildren(this.tree, this.view, node, this.sort)));
    return list;
  }

  rows(options: RowOptions): Rows {
    const { tree, view } = this;
    const keep = options.matches ? this.filtered(options.matches) : undefined;
    const nodes: number[] = [];
    const depths: number[] = [];
    const stack: [number, number][] = this.children(ROOT).map((c): [number, number] => [c, 0]).reverse();
    while (stack.length) {
      const [node, depth] = stack.pop()!;
      if (options.onlyChanges && !view.changed[node]) continue;
      if (keep && !keep[node]) continue;
      nodes.push(node);
      depths.push(depth);
      if (!options.expanded.has(node)) continue;
      const children = this.children(node);
      for (let i = children.length - 1; i >= 0; i--) stack.push([children[i], depth + 1]);
    }
    let matchedDirectories: Set<number> | undefined;
    if (keep) {
      matchedDirectories = new Set();
      for (let node = 1; node < tree.size; node++) if (keep[node] === 2) matchedDirectories.add(node);
    }
    return { nodes: Int32Array.from(nodes), depths: Uint16Array.from(depths), count: nodes.length, matchedDirectories };
  }

  /** Per node: 1 when it matches, 2 when something below it does (then it is shown, to be opened). */
  private filtered(matches: (path: string) => boolean): Uint8Array {
    if (this.keep && this.keepFor === matches) return this.keep;
    const { tree, view } = this;
    const keep = new Uint8Array(tree.size);
    for (let node = tree.size - 1; node > 0; node--) {
      if (!view.marks[node]) continue;
      if (!keep[node] && matches(tree.paths[node])) keep[node] = 1;
      if (keep[node]) for (let p = tree.parents[node]; p > 0 && keep[p] !== 2; p = tree.parents[p]) keep[p] = 2;
    }
    this.keep = keep;
    this.keepFor = matches;
    return keep;
  }
}

/** The ancestors of a node, root first (to expand before revealing it). */
export function ancestors(tree: ImageTree, node: number): number[] {
  const out: number[] = [];
  for (let p = tree.parents[node]; p > 0; p = tree.parents[p]) out.unshift(p);
  return out;
}
