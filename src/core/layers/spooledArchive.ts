import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { ensureSpace, noSpaceError } from '../store/diskSpace';
import { pidAlive } from '../store/fileLock';
import { entryKey, LocatedArchive } from './archiveContents';
import { detectCompression } from './layerIndexer';
import { readTar } from './tarReader';

/** An entry written to the spool: where, and the sha256 of its bytes (a blob's digest). */
export interface SpooledEntry {
  readonly name: string;
  readonly path: string;
  readonly length: number;
  readonly digest: string;
}

/**
 * An image archive that arrives as a stream (an engine's export, a compressed archive file),
 * written entry by entry to a temporary folder so its layers can be read in parallel; each entry
 * is announced with its digest as soon as it is complete, before the stream ends. Spool files are
 * named by number, never by the names in the archive. dispose() removes the folder; so do an exit
 * and SIGINT/SIGTERM while it exists, and the next spool removes those of killed processes.
 *
 * Spooled rather than read twice: an archive names its layers in a manifest at its end
 * (`docker save` writes it last), and the loader reads entries in its own order and in parallel.
 * Each entry is refused before it is written when it would leave less than the disk's reserve.
 */
export class SpooledArchive extends LocatedArchive {
  private constructor(readonly dir: string) {
    super();
  }

  /**
   * Reads the whole stream (gzip-compressed or not). `onEntry` may delete an entry's file (a layer
   * already indexed); reading that entry later fails.
   */
  static async spool(chunks: AsyncIterable<Uint8Array>, options: { onEntry?: (entry: SpooledEntry) => void; signal?: AbortSignal } = {}): Promise<SpooledArchive> {
    await removeDeadSpools();
    // Tracked before it exists, so a signal at any point after finds it.
    const archive = new SpooledArchive(path.join(os.tmpdir(), `${SPOOL_PREFIX}${process.pid}-${crypto.randomBytes(6).toString('hex')}`));
    track(archive.dir);
    try {
      await fs.promises.mkdir(archive.dir, { mode: 0o700 });
      await archive.fill(chunks, options);
      return archive;
    } catch (err) {
      await archive.dispose();
      throw err;
    }
  }

  async dispose(): Promise<void> {
    await fs.promises.rm(this.dir, { recursive: true, force: true });
    untrack(this.dir);
  }

  private async fill(chunks: AsyncIterable<Uint8Array>, options: { onEntry?: (entry: SpooledEntry) => void; signal?: AbortSignal }): Promise<void> {
    let count = 0;
    for await (const entry of readTar(await uncompressed(chunks))) {
      options.signal?.throwIfAborted();
      const key = entryKey(entry.path);
      if (entry.type === 'symlink' || entry.type === 'hardlink') {
        this.entries.set(key, { type: entry.type, linkName: entry.linkName, range: { path: '', offset: 0, length: 0 } });
        continue;
      }
      if (entry.type !== 'file') continue;
      const what = `${key} of the archive (${entry.size} bytes, unpacked to a temporary folder)`;
      await ensureSpace(this.dir, entry.size, what);
      const file = path.join(this.dir, `entry-${count++}`);
      const hash = crypto.createHash('sha256');
      const out = await fs.promises.open(file, 'wx');
      try {
        for await (const chunk of entry.body) {
          hash.update(chunk);
          await out.write(chunk).catch((err: unknown) => {
            throw noSpaceError(err, what, this.dir);
          });
        }
      } finally {
        await out.close();
      }
      this.entries.set(key, { type: 'file', linkName: '', range: { path: file, offset: 0, length: entry.size } });
      options.onEntry?.({ name: key, path: file, length: entry.size, digest: `sha256:${hash.digest('hex')}` });
    }
  }
}

const SPOOL_PREFIX = 'stevedore-spool-';
const SPOOL_NAME = /^stevedore-spool-(\d+)-/;
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const live = new Set<string>();

function removeLive(): void {
  for (const dir of live) fs.rmSync(dir, { recursive: true, force: true });
  live.clear();
}

/** Removes the spools, then dies of the signal as it would have without this handler. */
function onSignal(signal: NodeJS.Signals): void {
  removeLive();
  untrack();
  process.kill(process.pid, signal);
}

function track(dir: string): void {
  if (!live.size) {
    process.on('exit', removeLive);
    for (const signal of SIGNALS) process.once(signal, onSignal);
  }
  live.add(dir);
}

function untrack(dir?: string): void {
  if (dir) live.delete(dir);
  if (live.size) return;
  process.off('exit', removeLive);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

/** Spools left by processes that were killed with SIGKILL (nothing ran to remove them). */
async function removeDeadSpools(): Promise<void> {
  const names = await fs.promises.readdir(os.tmpdir()).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(SPOOL_NAME.exec(name)?.[1]);
    if (pid && !pidAlive(pid)) await fs.promises.rm(path.join(os.tmpdir(), name), { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The stream itself, or its gunzipped bytes when it is a `docker save | gzip` archive. */
async function uncompressed(chunks: AsyncIterable<Uint8Array>): Promise<AsyncIterable<Uint8Array>> {
  const iterator = chunks[Symbol.asyncIterator]();
  const first = await iterator.next();
  const rest = (async function* () {
    if (!first.done) yield first.value;
    for (;;) {
      const r = await iterator.next();
      if (r.done) return;
      yield r.value;
    }
  })();
  if (first.done || detectCompression(first.value) !== 'gzip') return rest;
  const gunzip = zlib.createGunzip();
  // A failure on either side ends the gunzip stream with that error, which its reader then sees.
  pipeline(Readable.from(rest), gunzip).catch(() => undefined);
  return gunzip;
}
