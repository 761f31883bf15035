import fs from 'node:fs/promises';
import path from 'node:path';
import { deadWorkspaces } from '../build/stageState';
import { reachableBlobs } from './imageGraph';
import { forgetDiffId } from './imageVerification';
import type { ImageStore } from './imageStore';
import { ingestFiles } from './ingestFiles';

export interface GcOptions {
  /**
   * Blobs written (or found already there by an ingest) less than this long ago are kept: another
   * process may be pulling an image whose blobs it has written but not yet tagged.
   */
  graceMs?: number;
  now?: number;
}

export interface GcResult {
  readonly removed: { digest: string; size: number }[];
  readonly freedBytes: number;
  /** Unreferenced blobs younger than the grace period, kept. */
  readonly keptRecent: number;
  /** Leftover ingest files removed: partials older than a day, temp files and locks of dead processes. */
  readonly removedIngest: string[];
  /** Workspaces of builds that were killed, removed (`<home>/build`). */
  readonly removedBuilds: { path: string; size: number }[];
}

export const DEFAULT_GC_GRACE_MS = 10 * 60_000;
const PARTIAL_MAX_AGE_MS = 24 * 3_600_000;

/**
 * Removes the blobs no index.json entry reaches (indexes → manifests → config and layers), holding
 * the index lock throughout: a name given meanwhile waits, then finds its blobs or fails clearly.
 * Also removes what killed processes left: ingest files, build workspaces. It writes nothing but
 * its lock (empty on a full disk), so it works on a disk that is full.
 */
export function collectGarbage(store: ImageStore, options: GcOptions = {}): Promise<GcResult> {
  return store.withIndexLock(() => collect(store, options));
}

async function collect(store: ImageStore, options: GcOptions): Promise<GcResult> {
  const now = options.now ?? Date.now();
  const grace = options.graceMs ?? DEFAULT_GC_GRACE_MS;
  const reached = new Set((await reachableBlobs(store)).map((b) => b.digest));
  const removed: { digest: string; size: number }[] = [];
  let keptRecent = 0;
  for (const name of await fs.readdir(store.blobsDir)) {
    const digest = `sha256:${name}`;
    if (reached.has(digest) || !/^[a-f0-9]{64}$/.test(name)) continue;
    const file = path.join(store.blobsDir, name);
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat) continue;
    if (now - stat.mtimeMs < grace) {
      keptRecent++;
      continue;
    }
    await fs.rm(file, { force: true });
    await forgetDiffId(store, digest);
    removed.push({ digest, size: stat.size });
  }
  const removedIngest: string[] = [];
  for (const f of await ingestFiles(store.ingestDir, now)) {
    if (f.active || (f.kind === 'partial' && f.ageMs < PARTIAL_MAX_AGE_MS)) continue;
    await fs.rm(f.path, { force: true });
    removedIngest.push(f.path);
  }
  const removedBuilds = await deadWorkspaces(path.dirname(store.root));
  for (const w of removedBuilds) await fs.rm(w.path, { recursive: true, force: true });
  return { removed, freedBytes: removed.reduce((s, b) => s + b.size, 0), keptRecent, removedIngest, removedBuilds };
}
