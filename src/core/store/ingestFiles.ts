import fs from 'node:fs/promises';
import path from 'node:path';
import { tempNameOwner } from './atomicFile';
import { lockIsFree, pidAlive } from './fileLock';

/** A file of the ingest folder, and whether a running process is still using it. */
export interface IngestFile {
  readonly path: string;
  readonly kind: 'partial' | 'temp' | 'lock' | 'other';
  readonly size: number;
  readonly ageMs: number;
  /** Owned by a live process: an ingest in progress, a held lock. Never touched. */
  readonly active: boolean;
}

const PARTIAL = /^(sha256-[a-f0-9]{64})\.partial$/;

/** What is in the ingest folder: partial blobs, temp files, locks, each with whether it is in use. */
export async function ingestFiles(ingestDir: string, now = Date.now()): Promise<IngestFile[]> {
  const names = await fs.readdir(ingestDir).catch(() => [] as string[]);
  const files: IngestFile[] = [];
  for (const name of names) {
    const file = path.join(ingestDir, name);
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat?.isFile()) continue;
    const base = { path: file, size: stat.size, ageMs: now - stat.mtimeMs };
    const partial = PARTIAL.exec(name);
    const tempOwner = tempNameOwner(name);
    if (partial) files.push({ ...base, kind: 'partial', active: !(await lockIsFree(path.join(ingestDir, `${partial[1]}.lock`))) });
    else if (tempOwner !== undefined) files.push({ ...base, kind: 'temp', active: pidAlive(tempOwner) });
    else if (name.endsWith('.lock')) files.push({ ...base, kind: 'lock', active: !(await lockIsFree(file)) });
    else files.push({ ...base, kind: 'other', active: false });
  }
  return files;
}
