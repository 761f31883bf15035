import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { applyImageLayer } from '../run/rootfs';
import type { Descriptor } from '../store/descriptor';
import { acquireLock, lockIsFree, type FileLock } from '../store/fileLock';
import type { ImageStore } from '../store/imageStore';
import type { ImageConfigFile } from './buildConfig';
import { snapshotTree, type Snapshot } from './treeSnapshot';

/** A stage while it is built: its image so far, its cache key chain, and its files once needed. */
export interface StageState {
  readonly index: number;
  readonly name?: string;
  config: ImageConfigFile;
  layers: Descriptor[];
  /** The cache key of the last step. */
  key: string;
  /** ARGs declared in the stage: name → value (undefined when declared without one). */
  args: Map<string, string | undefined>;
  /** Set once CMD is given in this stage (ENTRYPOINT then keeps it). */
  cmdSet: boolean;
  /** The root filesystem, made only when a step needs the files. */
  rootfs?: string;
  snapshot?: Snapshot;
}

/**
 * A scratch directory for one build's root filesystems, `<home>/build/<started>-<random>`, removed
 * at the end. Its lock file beside it (`<dir>.lock`, taken before the directory is made) holds the
 * build's pid: a workspace whose build is gone (killed) is a leftover that gc and fsck --repair remove.
 */
export class BuildWorkspace {
  private constructor(readonly dir: string, private readonly lock: FileLock) {}

  static async create(home: string): Promise<BuildWorkspace> {
    const parent = buildDir(home);
    await fs.mkdir(parent, { recursive: true });
    for (const dead of await deadWorkspaces(home)) await fs.rm(dead.path, { recursive: true, force: true }).catch(() => undefined);
    const dir = path.join(parent, `${Date.now()}-${randomBytes(4).toString('hex')}`);
    const lock = await acquireLock(`${dir}${LOCK}`);
    if (!lock) throw new Error(`cannot lock the build workspace ${dir}`);
    try {
      await fs.mkdir(dir);
    } catch (err) {
      await lock.release();
      throw err;
    }
    return new BuildWorkspace(dir, lock);
  }

  async newDir(label: string): Promise<string> {
    const dir = path.join(this.dir, `${label}-${randomBytes(4).toString('hex')}`);
    await fs.mkdir(dir, { mode: 0o755 });
    return dir;
  }

  async remove(): Promise<void> {
    try {
      await fs.rm(this.dir, { recursive: true, force: true });
    } finally {
      await this.lock.release();
    }
  }
}

const LOCK = '.lock';

function buildDir(home: string): string {
  return path.join(home, 'build');
}

/** Workspaces (and lock files) of builds that are no longer running, with their size on disk. */
export async function deadWorkspaces(home: string): Promise<{ path: string; size: number }[]> {
  const parent = buildDir(home);
  const names = await fs.readdir(parent).catch(() => [] as string[]);
  const dead: { path: string; size: number }[] = [];
  for (const name of names) {
    const file = path.join(parent, name);
    const lock = name.endsWith(LOCK) ? file : `${file}${LOCK}`;
    if (!(await lockIsFree(lock))) continue;
    dead.push({ path: file, size: await treeSize(file) });
  }
  return dead;
}

async function treeSize(file: string): Promise<number> {
  const stat = await fs.lstat(file).catch(() => undefined);
  if (!stat?.isDirectory()) return stat?.size ?? 0;
  let size = 0;
  for (const name of await fs.readdir(file).catch(() => [] as string[])) size += await treeSize(path.join(file, name));
  return size;
}

/** The stage's files: its layers applied in a fresh directory (once), with a snapshot to diff against. */
export async function materialize(state: StageState, store: ImageStore, workspace: BuildWorkspace): Promise<string> {
  if (state.rootfs) return state.rootfs;
  const dir = await workspace.newDir(`stage${state.index}`);
  const diffIds = state.config.rootfs.diff_ids;
  for (const [i, blob] of state.layers.entries()) await applyImageLayer(store, dir, { blob, diffId: diffIds[i] });
  state.rootfs = dir;
  state.snapshot = await snapshotTree(dir);
  return dir;
}

export function cloneState(from: StageState, index: number, name: string | undefined): StageState {
  return {
    index, name, config: structuredClone(from.config), layers: [...from.layers], key: from.key,
    args: new Map(), cmdSet: false,
  };
}
