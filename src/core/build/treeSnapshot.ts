import fs from 'node:fs/promises';
import path from 'node:path';

/** What a file looked like, enough to tell whether a step changed it. */
interface Seen {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly ino: bigint;
}

export type Snapshot = Map<string, Seen>;

/** Kernel filesystems the sandbox mounts during RUN: never part of a layer. */
const RUNTIME_DIRS = new Set(['proc', 'sys', 'dev']);

/** Every path under `root` (slash-separated, relative), without following symlinks. */
export async function snapshotTree(root: string): Promise<Snapshot> {
  const seen: Snapshot = new Map();
  const walk = async (rel: string): Promise<void> => {
    const entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
    await Promise.all(entries.map(async (e) => {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (!rel && RUNTIME_DIRS.has(e.name)) return;
      const st = await fs.lstat(path.join(root, child), { bigint: true });
      seen.set(child, { mode: Number(st.mode), uid: Number(st.uid), gid: Number(st.gid), size: Number(st.size), mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, ino: st.ino });
      if (e.isDirectory()) await walk(child);
    }));
  };
  await walk('');
  return seen;
}

export interface TreeChanges {
  /** Added or changed paths, parents first, with their unchanged parent directories. */
  readonly changed: string[];
  /** Paths gone (only the top of a removed subtree). */
  readonly removed: string[];
}

/** The changes from `before` to `after`, as a layer must record them. */
export function diffTrees(before: Snapshot, after: Snapshot): TreeChanges {
  const changed = new Set<string>();
  for (const [p, now] of after) {
    const was = before.get(p);
    if (was && was.mode === now.mode && was.uid === now.uid && was.gid === now.gid && was.size === now.size && was.mtimeNs === now.mtimeNs && was.ctimeNs === now.ctimeNs && was.ino === now.ino) continue;
    if (was && (now.mode & 0o170000) === 0o040000 && (was.mode & 0o170000) === 0o040000 && was.mode === now.mode && was.uid === now.uid && was.gid === now.gid) continue;
    changed.add(p);
    for (let slash = p.lastIndexOf('/'); slash > 0; slash = p.lastIndexOf('/', slash - 1)) changed.add(p.slice(0, slash));
  }
  const removed: string[] = [];
  for (const p of before.keys()) {
    if (after.has(p)) continue;
    const parent = p.slice(0, Math.max(0, p.lastIndexOf('/')));
    if (parent && !after.has(parent)) continue;
    removed.push(p);
    if (parent) changed.add(parent);
  }
  return { changed: [...changed].sort(), removed: removed.sort() };
}
