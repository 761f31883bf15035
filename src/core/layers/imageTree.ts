import { KIND, sameHash, type LayerIndex } from './layerIndex';

/**
 * The file trees of an image: one node per path any layer mentions, and for any layer the tree
 * as of that layer (overlay semantics: a `.wh.<name>` whiteout deletes `<name>` of the layers
 * below, an opaque directory hides everything the layers below put in it, a non-directory
 * replacing a directory takes its contents away). No Node APIs: the webview runs this too.
 *
 * Paths are shown as the tar names them: `..` or an absolute name stays a literal node name and is
 * never resolved against anything.
 */

export const ROOT = 0;
/** In a snapshot: the node is absent, or present only because something below it is (no entry of its own). */
export const ABSENT = -1;
export const IMPLICIT = -2;

export type Mark = 'unchanged' | 'added' | 'modified' | 'removed';
export const MARK = { none: 0, unchanged: 1, added: 2, modified: 3, removed: 4 } as const;
export const MARK_NAMES: readonly (Mark | undefined)[] = [undefined, 'unchanged', 'added', 'modified', 'removed'];

/** The tree as of one layer: for each node, the layer and entry that define it (or ABSENT/IMPLICIT). */
export interface Snapshot {
  readonly layer: Int16Array;
  readonly entry: Int32Array;
}

/** How the file tree is compared: with the layers below the selected one, or with the first layer (dive's "aggregated"). */
export type CompareMode = 'layer' | 'aggregated';

/** A layer's tree with marks: what the panel draws and the CLI reports. */
export interface TreeView {
  readonly layer: number;
  readonly mode: CompareMode;
  /** Per node: MARK.* (MARK.none: not in this view). */
  readonly marks: Uint8Array;
  /** The tree as of the layer, and the tree it is compared with (which describes removed nodes). */
  readonly top: Snapshot;
  readonly base: Snapshot;
  /** Per node: its size, directories rolled up (a present one over its present contents, a removed one over what was removed). */
  readonly sizes: Float64Array;
  /** Per node: it or something below it is added, modified or removed. */
  readonly changed: Uint8Array;
}

export class ImageTree {
  readonly names: string[] = [''];
  readonly parents: number[] = [-1];
  /** Full path per node ('' for the root): the tar path it was made from. */
  readonly paths: string[] = [''];
  private readonly children: (number[] | undefined)[] = [undefined];
  private readonly byPath = new Map<string, number>([['', ROOT]]);
  private lastDirectory = { path: '', node: ROOT };
  private readonly layers: (LayerIndex | undefined)[];
  /** Per layer: the node of each entry. */
  private readonly entryNodes: (Int32Array | undefined)[];
  private readonly snapshots = new Map<number, Snapshot>();

  /** `layers`: as many as the image has, undefined for those not indexed yet (setLayer adds them). */
  constructor(layers: readonly (LayerIndex | undefined)[]) {
    this.layers = layers.map(() => undefined);
    this.entryNodes = layers.map(() => undefined);
    layers.forEach((index, i) => index && this.setLayer(i, index));
  }

  get layerCount(): number {
    return this.layers.length;
  }

  layer(i: number): LayerIndex | undefined {
    return this.layers[i];
  }

  /** Adds a layer's index as it arrives; node ids stay as they were. */
  setLayer(i: number, index: LayerIndex): void {
    const nodes = new Int32Array(index.count);
    for (let e = 0; e < index.count; e++) nodes[e] = this.node(index.paths[e]);
    this.layers[i] = index;
    this.entryNodes[i] = nodes;
    this.snapshots.clear(); // their arrays are sized for fewer nodes, and may predate this layer
  }

  get size(): number {
    return this.names.length;
  }

  childrenOf(node: number): readonly number[] {
    return this.children[node] ?? [];
  }

  nodeOf(path: string): number | undefined {
    return this.byPath.get(clean(path));
  }

  /** The node of entry `e` of layer `layer`. */
  entryNode(layer: number, e: number): number {
    return this.entryNodes[layer]![e];
  }

  /** Layers 0..layer are all indexed (a snapshot needs every one of them). */
  ready(layer: number): boolean {
    for (let l = 0; l <= layer; l++) if (!this.layers[l]) return false;
    return true;
  }

  /** The tree after layers 0..layer (layer -1: empty). */
  snapshot(layer: number): Snapshot {
    if (layer < 0) return this.empty();
    const cached = this.snapshots.get(layer);
    if (cached) return cached;
    let from = layer - 1;
    while (from >= 0 && !this.snapshots.has(from)) from--;
    let state = from >= 0 ? copy(this.snapshots.get(from)!) : copy(this.empty());
    for (let l = from + 1; l <= layer; l++) {
      this.apply(state, l);
      if (l < layer) {
        this.remember(l, state);
        state = copy(state);
      }
    }
    this.remember(layer, state);
    return state;
  }

  /** Marks and rolled-up sizes of `layer`'s tree compared with the layers below it, or with layer 0. */
  view(layer: number, mode: CompareMode): TreeView {
    const top = this.snapshot(layer);
    const base = this.snapshot(mode === 'aggregated' && layer > 0 ? 0 : layer - 1);
    const n = this.size;
    const marks = new Uint8Array(n);
    for (let node = 1; node < n; node++) {
      const inTop = top.layer[node] !== ABSENT;
      const inBase = base.layer[node] !== ABSENT;
      if (inTop) marks[node] = !inBase ? MARK.added : this.differs(base, top, node) ? MARK.modified : MARK.unchanged;
      else if (inBase) marks[node] = MARK.removed;
    }
    const sizes = new Float64Array(n);
    const changed = new Uint8Array(n);
    // Children always have larger ids than their parents: one pass from the end rolls sizes up.
    for (let node = n - 1; node > 0; node--) {
      const mark = marks[node];
      if (!mark) continue;
      const source = mark === MARK.removed ? base : top;
      sizes[node] += this.entrySize(source, node);
      if (mark !== MARK.unchanged) changed[node] = 1;
      const parent = this.parents[node];
      if (parent > 0 && (mark !== MARK.removed || marks[parent] === MARK.removed)) sizes[parent] += sizes[node];
      if (changed[node]) changed[parent] = 1;
    }
    for (const child of this.childrenOf(ROOT)) if (marks[child] && marks[child] !== MARK.removed) sizes[ROOT] += sizes[child];
    return { layer, mode, marks, top, base, sizes, changed };
  }

  /** The layer index and entry that describe `node` in the snapshot, if it has an entry there. */
  entryOf(snapshot: Snapshot, node: number): { index: LayerIndex; entry: number; layer: number } | undefined {
    const layer = snapshot.layer[node];
    if (layer < 0) return undefined;
    return { index: this.layers[layer]!, entry: snapshot.entry[node], layer };
  }

  private entrySize(snapshot: Snapshot, node: number): number {
    const layer = snapshot.layer[node];
    return layer < 0 ? 0 : this.layers[layer]!.sizes[snapshot.entry[node]];
  }

  /** Type, size, content, mode, owner or link target differ (mtime does not count: every rebuild changes it). */
  private differs(base: Snapshot, top: Snapshot, node: number): boolean {
    const bl = base.layer[node];
    const tl = top.layer[node];
    if (bl === tl && base.entry[node] === top.entry[node]) return false;
    if (bl < 0 || tl < 0) return bl >= 0 ? this.layers[bl]!.kinds[base.entry[node]] !== KIND.directory : tl >= 0 && this.layers[tl]!.kinds[top.entry[node]] !== KIND.directory;
    const a = this.layers[bl]!;
    const i = base.entry[node];
    const b = this.layers[tl]!;
    const j = top.entry[node];
    return a.kinds[i] !== b.kinds[j] || a.sizes[i] !== b.sizes[j] || a.modes[i] !== b.modes[j] || a.uids[i] !== b.uids[j]
      || a.gids[i] !== b.gids[j] || a.links[i] !== b.links[j] || (a.kinds[i] === KIND.file && !sameHash(a, i, b, j));
  }

  private apply(state: Snapshot, layer: number): void {
    const index = this.layers[layer];
    const nodes = this.entryNodes[layer];
    if (!index || !nodes) throw new Error(`layer ${layer} is not indexed yet`);
    // Whiteouts and opaque directories act on the layers below, before this layer's own entries.
    for (let e = 0; e < index.count; e++) {
      const kind = index.kinds[e];
      if (kind === KIND.whiteout) this.remove(state, nodes[e]);
      else if (kind === KIND.opaque) for (const child of this.childrenOf(nodes[e])) this.remove(state, child);
    }
    for (let e = 0; e < index.count; e++) {
      const kind = index.kinds[e];
      if (kind === KIND.whiteout) continue;
      const node = nodes[e];
      if (kind === KIND.opaque) {
        this.ensureAncestors(state, node, true);
        continue;
      }
      // A file, link or device over a directory replaces the directory and all it held.
      if (kind !== KIND.directory) for (const child of this.childrenOf(node)) this.remove(state, child);
      state.layer[node] = layer;
      state.entry[node] = e;
      this.ensureAncestors(state, node, false);
    }
  }

  private ensureAncestors(state: Snapshot, node: number, self: boolean): void {
    let at = self ? node : this.parents[node];
    while (at > 0 && state.layer[at] === ABSENT) {
      state.layer[at] = IMPLICIT;
      at = this.parents[at];
    }
  }

  /** Removes a node and everything below it (only present nodes can have present children). */
  private remove(state: Snapshot, node: number): void {
    if (state.layer[node] === ABSENT) return;
    const stack = [node];
    while (stack.length) {
      const at = stack.pop()!;
      state.layer[at] = ABSENT;
      for (const child of this.childrenOf(at)) if (state.layer[child] !== ABSENT) stack.push(child);
    }
  }

  private node(rawPath: string): number {
    const path = clean(rawPath);
    const known = this.byPath.get(path);
    if (known !== undefined) return known;
    const slash = path.lastIndexOf('/');
    // Tar lists a directory's entries together: most entries have the previous one's parent.
    const last = this.lastDirectory;
    const parent = slash < 0 ? ROOT
      : slash === last.path.length && path.startsWith(last.path) ? last.node
      : this.node(path.slice(0, slash));
    if (slash >= 0 && parent !== last.node) this.lastDirectory = { path: this.paths[parent], node: parent };
    const id = this.names.length;
    this.names.push(path.slice(slash + 1));
    this.parents.push(parent);
    this.paths.push(path);
    this.children.push(undefined);
    (this.children[parent] ??= []).push(id);
    this.byPath.set(path, id);
    return id;
  }

  private empty(): Snapshot {
    return { layer: new Int16Array(this.size).fill(ABSENT), entry: new Int32Array(this.size) };
  }

  private remember(layer: number, snapshot: Snapshot): void {
    this.snapshots.set(layer, snapshot);
    // A few snapshots are enough to move between nearby layers quickly; each is 6 bytes a node.
    if (this.snapshots.size > 12) this.snapshots.delete(this.snapshots.keys().next().value!);
  }
}

function copy(snapshot: Snapshot): Snapshot {
  return { layer: snapshot.layer.slice(), entry: snapshot.entry.slice() };
}

/** Empty and `.` components dropped (`a//b`, `./a/./b`); `..` kept as a name, never resolved. */
const UNCLEAN = /\/\/|(^|\/)\.(\/|$)|^\/|\/$/;

function clean(path: string): string {
  if (!UNCLEAN.test(path)) return path;
  return path.split('/').filter((part) => part && part !== '.').join('/');
}

