import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { applyImageLayer } from '../run/rootfs';
import type { Descriptor } from '../store/descriptor';
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

/** A scratch directory for one build's root filesystems, removed at the end. */
export class BuildWorkspace {
  private constructor(readonly dir: string) {}

  static async create(home: string): Promise<BuildWorkspace> {
    const parent = path.join(home, 'build');
    await removeStale(parent);
    const dir = path.join(parent, `${Date.now()}-${randomBytes(4).toString('hex')}`);
    await fs.mkdir(dir, { recursive: true });
    return new BuildWorkspace(dir);
  }

  async newDir(label: string): Promise<string> {
    const dir = path.join(this.dir, `${label}-${randomBytes(4).toString('hex')}`);
    await fs.mkdir(dir, { mode: 0o755 });
    return dir;
  }

  async remove(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}

/** A killed build leaves its workspace; one started over a day ago is no concurrent build's. */
const STALE_MS = 24 * 3600 * 1000;

async function removeStale(parent: string): Promise<void> {
  const names = await fs.readdir(parent).catch(() => [] as string[]);
  for (const name of names) {
    const started = Number(/^(\d+)-/.exec(name)?.[1]);
    if (started && Date.now() - started > STALE_MS) await fs.rm(path.join(parent, name), { recursive: true, force: true });
  }
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
