import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** fsync of a folder, so a rename into it survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A unique temp file name in `dir` (the store's ingest folder, on the same filesystem). */
export function tempName(dir: string, label: string): string {
  return path.join(dir, `tmp-${label}-${process.pid}-${randomBytes(6).toString('hex')}`);
}

const TEMP = /^tmp-.*-(\d+)-[0-9a-f]{12}$/;

/** The pid of the process that made a tempName file or folder, from its name; undefined for other names. */
export function tempNameOwner(name: string): number | undefined {
  const pid = TEMP.exec(name)?.[1];
  return pid === undefined ? undefined : Number(pid);
}

/** Writes `data` to a temp file in `tempDir`, fsyncs it and renames it over `target`. */
export async function writeFileAtomic(target: string, data: string | Uint8Array, tempDir: string): Promise<void> {
  const temp = tempName(tempDir, path.basename(target));
  const handle = await fs.open(temp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temp, target);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
  await syncDir(path.dirname(target));
}
