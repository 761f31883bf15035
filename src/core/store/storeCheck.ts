import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { layersDir } from '../run/rootfs';
import { tempNameOwner, writeFileAtomic } from './atomicFile';
import { REF_NAME } from './descriptor';
import { reachableBlobs } from './imageGraph';
import type { ImageStore } from './imageStore';
import { deadWorkspaces } from '../build/stageState';
import { DIFFID_RECORDS, recordedDiffId, verifyImage } from './imageVerification';
import { pidAlive } from './fileLock';
import { ingestFiles } from './ingestFiles';
import { BlobNotFoundError, StoreError } from './storeErrors';

export interface CheckProblem {
  readonly kind: 'corrupt-blob' | 'stray-file' | 'missing-blob' | 'bad-index' | 'no-layout-file' | 'unverified-image';
  /** The file or digest concerned. */
  readonly subject: string;
  readonly detail: string;
  readonly repaired: boolean;
}

export interface CheckResult {
  /** No damage: every blob matches its digest and every image's blobs are there. */
  readonly clean: boolean;
  readonly blobsChecked: number;
  readonly bytesChecked: number;
  readonly problems: CheckProblem[];
  /**
   * What killed processes left (partial and temp files, stale locks, workspaces of killed builds):
   * harmless but taking space; removed with repair.
   */
  readonly leftovers: { path: string; kind: string; size: number; removed: boolean }[];
}

const LAYOUT_ENTRIES: readonly string[] = ['blobs', 'ingest', 'oci-layout', 'index.json', DIFFID_RECORDS];
const BLOBS_ENTRIES: readonly string[] = ['sha256'];

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/**
 * `stevedore fsck`: hashes every blob, finds files that do not belong, leftovers of interrupted
 * writes and images whose blobs are missing. With `repair`, drops corrupt blobs, stray files and
 * leftovers (never a file a running process is writing), and rewrites a missing oci-layout.
 */
export async function checkStore(store: ImageStore, options: { repair?: boolean } = {}): Promise<CheckResult> {
  const repair = options.repair === true;
  const problems: CheckProblem[] = [];
  const layout = path.join(store.root, 'oci-layout');
  if (!(await fs.access(layout).then(() => true, () => false))) {
    if (repair) await writeFileAtomic(layout, '{"imageLayoutVersion":"1.0.0"}', store.ingestDir);
    problems.push({ kind: 'no-layout-file', subject: layout, detail: 'the oci-layout file is missing', repaired: repair });
  }
  const layoutDirs: [string, readonly string[]][] = [[store.root, LAYOUT_ENTRIES], [path.dirname(store.blobsDir), BLOBS_ENTRIES]];
  for (const [dir, known] of layoutDirs) {
    for (const name of await fs.readdir(dir)) {
      if (known.includes(name)) continue;
      const file = path.join(dir, name);
      if (repair) await fs.rm(file, { recursive: true, force: true });
      problems.push({ kind: 'stray-file', subject: file, detail: 'not part of the image layout', repaired: repair });
    }
  }
  let blobsChecked = 0;
  let bytesChecked = 0;
  for (const name of await fs.readdir(store.blobsDir)) {
    const file = path.join(store.blobsDir, name);
    const stat = await fs.lstat(file).catch(() => undefined);
    if (!stat) continue;
    if (!/^[a-f0-9]{64}$/.test(name) || !stat.isFile()) {
      if (repair) await fs.rm(file, { recursive: true, force: true });
      problems.push({ kind: 'stray-file', subject: file, detail: 'not a blob (its name is not a sha256 digest, or it is not a regular file)', repaired: repair });
      continue;
    }
    blobsChecked++;
    bytesChecked += stat.size;
    const actual = await sha256File(file);
    if (actual !== `sha256:${name}`) {
      if (repair) await fs.rm(file, { force: true });
      problems.push({ kind: 'corrupt-blob', subject: `sha256:${name}`, detail: `its content hashes to ${actual}`, repaired: repair });
    }
  }
  try {
    for (const b of await reachableBlobs(store)) {
      if (b.unreadable) problems.push({ kind: 'corrupt-blob', subject: b.digest, detail: `${b.kind} of ${b.image} cannot be read: ${b.unreadable}`, repaired: false });
      if (b.present || b.optional) continue;
      problems.push({ kind: 'missing-blob', subject: b.digest, detail: `${b.kind} of ${b.image} is not stored (pull or load the image again)`, repaired: false });
    }
  } catch (err) {
    problems.push({ kind: 'bad-index', subject: path.join(store.root, 'index.json'), detail: (err as Error).message, repaired: false });
  }
  await checkImages(store, repair, problems);
  const leftovers: CheckResult['leftovers'] = [];
  for (const f of await ingestFiles(store.ingestDir)) {
    if (f.active) continue;
    if (repair) await fs.rm(f.path, { force: true });
    leftovers.push({ path: f.path, kind: f.kind, size: f.size, removed: repair });
  }
  for (const w of await deadWorkspaces(path.dirname(store.root))) {
    if (repair) await fs.rm(w.path, { recursive: true, force: true });
    leftovers.push({ path: w.path, kind: 'build', size: w.size, removed: repair });
  }
  await diffIdRecords(store, repair, problems, leftovers);
  await legacyLayerCaches(store, repair, leftovers);
  return { clean: problems.every((p) => p.repaired), blobsChecked, bytesChecked, problems, leftovers };
}

/**
 * Every named image is verified again, layers hashed uncompressed against their diffIDs (an
 * earlier version named images without this check). Repair removes a lying image's names.
 */
async function checkImages(store: ImageStore, repair: boolean, problems: CheckProblem[]): Promise<void> {
  const entries = await store.entries().catch(() => []);
  for (const entry of entries) {
    const name = entry.annotations?.[REF_NAME] ?? entry.digest;
    try {
      await verifyImage(store, entry, { recheck: true });
    } catch (err) {
      if (err instanceof BlobNotFoundError || !(err instanceof StoreError)) continue; // reported as a missing blob above
      if (repair) await store.untag(name).catch(() => undefined);
      problems.push({ kind: 'unverified-image', subject: name, detail: err.message, repaired: repair && entry.annotations?.[REF_NAME] !== undefined });
    }
  }
}

/** Verification records: each names a stored blob and holds a digest; those of removed blobs are leftovers. */
async function diffIdRecords(store: ImageStore, repair: boolean, problems: CheckProblem[], leftovers: CheckResult['leftovers']): Promise<void> {
  const dir = path.join(store.root, DIFFID_RECORDS);
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    const file = path.join(dir, name);
    const recorded = /^[a-f0-9]{64}$/.test(name) ? await recordedDiffId(store, `sha256:${name}`) : undefined;
    if (!recorded) {
      if (repair) await fs.rm(file, { recursive: true, force: true });
      problems.push({ kind: 'stray-file', subject: file, detail: 'not a layer verification record', repaired: repair });
    } else if (!(await store.hasBlob(`sha256:${name}`))) {
      if (repair) await fs.rm(file, { force: true });
      leftovers.push({ path: file, kind: 'verification-record', size: 0, removed: repair });
    }
  }
}

/**
 * Unpacked layers live in `<home>/layers/sha256/<diffID>`, made only from verified content; any
 * other directory there was made by an earlier version from an unverified diffID (or is a crashed
 * unpack's temp dir). Repair removes those no mounted container uses.
 */
async function legacyLayerCaches(store: ImageStore, repair: boolean, leftovers: CheckResult['leftovers']): Promise<void> {
  const dir = layersDir(store);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const mounts = await fs.readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  for (const name of names) {
    if (name === 'sha256' || name === 'empty') continue;
    const file = path.join(dir, name);
    const unpacker = tempNameOwner(name);
    const inUse = unpacker !== undefined ? pidAlive(unpacker) : mounts.includes(name);
    if (inUse) continue;
    if (repair) await fs.rm(file, { recursive: true, force: true });
    leftovers.push({ path: file, kind: unpacker !== undefined ? 'unpack-temp' : 'unverified-layer-cache', size: 0, removed: repair });
  }
}
