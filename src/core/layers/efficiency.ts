import { ABSENT, ROOT, type ImageTree } from './imageTree';
import { KIND } from './layerIndex';

/** A path met in more than one layer: what it costs. */
export interface Inefficiency {
  readonly path: string;
  /** How many layers have it (dive's "Count"). */
  readonly count: number;
  /** Its bytes summed over those layers: dive's wasted space for it. */
  readonly wastedBytes: number;
}

export interface Efficiency {
  /** dive's efficiency score, 0..1. */
  readonly score: number;
  /** Bytes in files overwritten or deleted by a later layer, or added twice. */
  readonly wastedBytes: number;
  /** Sum of the layers' sizes (entries' sizes, as dive sizes layers). */
  readonly sizeBytes: number;
  /** The same without the first layer: what the image's own steps added. */
  readonly userSizeBytes: number;
  /** wastedBytes / userSizeBytes (0 when the image adds nothing to its first layer). */
  readonly userWastedPercent: number;
  /** Largest first. */
  readonly inefficiencies: readonly Inefficiency[];
}

/**
 * Wasted bytes and the efficiency score exactly as dive defines them
 * (dive/filetree/efficiency.go): every leaf of every layer's own tree counts at its path — a
 * whiteout at the path it deletes, sized 0 for a file and as the deleted directory's contents for
 * a directory; each path costs the sum of its sizes over the layers (cumulative) and could have
 * cost its smallest (minimum); score = Σ minimum / Σ cumulative, and the paths met more than once
 * are the inefficiencies, whose cumulative sizes add up to the wasted bytes.
 *
 * Where dive cannot be followed literally: a whiteout of a path that is not there (dive stops
 * counting that layer) counts 0 here, and a deleted directory's contents are those of the real
 * overlay, opaque directories applied (dive ignores opaque markers when stacking).
 */
export function computeEfficiency(tree: ImageTree): Efficiency {
  const n = tree.size;
  const cumulative = new Float64Array(n);
  const minimum = new Float64Array(n).fill(-1);
  const count = new Uint32Array(n);
  const nonLeaf = new Int32Array(n).fill(-1); // the last layer in which the node has a child
  const visited = new Int32Array(n).fill(-1); // the last layer in which the node was counted
  const visitedWhiteout = new Int32Array(n).fill(-1); // the same for `.wh.<name>`, a node of its own in dive's tree
  let sizeBytes = 0;
  let userSizeBytes = 0;

  for (let layer = 0; layer < tree.layerCount; layer++) {
    const index = tree.layer(layer);
    if (!index) throw new Error(`layer ${layer} is not indexed`);
    sizeBytes += index.meta.fileBytes;
    if (layer > 0) userSizeBytes += index.meta.fileBytes;
    // dive builds each layer's own tree: a node with a child in it is no leaf. An opaque marker is
    // never added to that tree, but the directories on its way are.
    for (let e = 0; e < index.count; e++) {
      const node = tree.entryNode(layer, e);
      let at = index.kinds[e] === KIND.opaque ? node : tree.parents[node];
      let child = index.kinds[e] === KIND.opaque ? -1 : node;
      while (at >= 0 && child !== ROOT) {
        if (child >= 0) {
          if (nonLeaf[at] === layer) break;
          nonLeaf[at] = layer;
        }
        child = at;
        at = tree.parents[at];
      }
    }
    let below: ReturnType<ImageTree['snapshot']> | undefined;
    // The last entry of a path wins, as in dive's tree: walk backwards and count each node once.
    for (let e = index.count - 1; e >= 0; e--) {
      const node = tree.entryNode(layer, e);
      const kind = index.kinds[e];
      if (node === ROOT) continue;
      if (kind === KIND.whiteout) {
        if (visitedWhiteout[node] === layer) continue;
        visitedWhiteout[node] = layer;
      } else {
        if (nonLeaf[node] === layer || visited[node] === layer) continue;
        visited[node] = layer;
      }
      let size = 0;
      if (kind === KIND.whiteout) {
        below ??= tree.snapshot(layer - 1);
        size = deletedDirectorySize(tree, below, node);
      } else if (kind !== KIND.opaque) {
        size = index.sizes[e];
      }
      cumulative[node] += size;
      if (minimum[node] < 0 || size < minimum[node]) minimum[node] = size;
      count[node]++;
    }
  }

  let minimumSum = 0;
  let cumulativeSum = 0;
  const inefficiencies: Inefficiency[] = [];
  let wastedBytes = 0;
  for (let node = 1; node < n; node++) {
    if (!count[node]) continue;
    minimumSum += minimum[node];
    cumulativeSum += cumulative[node];
    if (count[node] >= 2) {
      inefficiencies.push({ path: `/${tree.paths[node]}`, count: count[node], wastedBytes: cumulative[node] });
      wastedBytes += cumulative[node];
    }
  }
  inefficiencies.sort((a, b) => b.wastedBytes - a.wastedBytes || (a.path < b.path ? -1 : 1));
  return {
    score: cumulativeSum === 0 ? 1 : minimumSum / cumulativeSum,
    wastedBytes,
    sizeBytes,
    userSizeBytes,
    userWastedPercent: userSizeBytes === 0 ? 0 : wastedBytes / userSizeBytes,
    inefficiencies,
  };
}

/** What a whiteout deletes, as dive sizes it: a directory's contents below it; a file, nothing. */
function deletedDirectorySize(tree: ImageTree, below: ReturnType<ImageTree['snapshot']>, node: number): number {
  const here = tree.entryOf(below, node);
  if (!here || here.index.kinds[here.entry] !== KIND.directory) return 0;
  let size = 0;
  const stack = [...tree.childrenOf(node)];
  while (stack.length) {
    const at = stack.pop()!;
    if (below.layer[at] === ABSENT) continue;
    const entry = tree.entryOf(below, at);
    if (entry) size += entry.index.sizes[entry.entry];
    stack.push(...tree.childrenOf(at));
  }
  return size;
}
