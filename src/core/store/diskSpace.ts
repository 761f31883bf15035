import fs from 'node:fs/promises';
import { StoreError } from './storeErrors';

/**
 * What a write leaves free on its filesystem: 64 MiB, or a twentieth of a smaller filesystem, so
 * that the store (and whatever else shares the disk) can still take a lock, write index.json and
 * run `gc` after a download or an archive has taken what it may.
 */
export async function spaceLeft(dir: string): Promise<{ free: number; reserve: number }> {
  const s = await fs.statfs(dir);
  const reserve = Math.min(64 << 20, Math.floor((s.blocks * s.bsize) / 20));
  return { free: s.bavail * s.bsize, reserve };
}

/** Refuses, before any byte is written, to put `bytes` more in `dir` when that would eat into the reserve. */
export async function ensureSpace(dir: string, bytes: number, what: string): Promise<void> {
  const { free, reserve } = await spaceLeft(dir);
  if (bytes > free - reserve) {
    throw new StoreError(`not enough space for ${what}: it needs ${bytes} bytes, ${dir} has ${free} bytes free (${reserve} kept in reserve)`);
  }
}

/** A full disk (or quota) met while writing `what` into `dir`, as a message naming both; other errors unchanged. */
export function noSpaceError(err: unknown, what: string, dir: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return err;
  return new StoreError(`no space left in ${dir} while writing ${what}${code === 'EDQUOT' ? ' (disk quota reached)' : ''}; nothing was kept`);
}
