import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { syncDir } from './atomicFile';
import { digestHex } from './descriptor';
import { noSpaceError } from './diskSpace';
import { acquireLock, type FileLock } from './fileLock';
import { DigestMismatchError } from './storeErrors';

/**
 * One blob being written. `offset` bytes were kept from an earlier interrupted ingest of the same
 * digest: write the bytes from there on. `complete` is true when the blob was already stored (by
 * another process, or before): writes are then ignored and commit does nothing.
 */
export interface BlobIngest {
  readonly offset: number;
  readonly complete: boolean;
  write(chunk: Uint8Array): Promise<void>;
  /** Checks size and digest over the whole file and moves it into blobs/ (atomic rename). */
  commit(): Promise<void>;
  /** Stops without committing; the partial file stays for a later resume. */
  close(): Promise<void>;
  /** Stops without committing and removes the partial file (nothing worth resuming). */
  discard(): Promise<void>;
}

export interface IngestPaths {
  readonly blobsDir: string;
  readonly ingestDir: string;
}

export function partialPath(paths: IngestPaths, digest: string): string {
  return path.join(paths.ingestDir, `sha256-${digestHex(digest)}.partial`);
}

export function ingestLockPath(paths: IngestPaths, digest: string): string {
  return path.join(paths.ingestDir, `sha256-${digestHex(digest)}.lock`);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(() => true, () => false);
}

/** Marks a blob found already stored as just used, so gc's grace period keeps it for the ingest that found it. */
export async function touch(file: string): Promise<void> {
  const now = new Date();
  await fs.utimes(file, now, now).catch(() => undefined);
}

async function sizeOf(file: string): Promise<number | undefined> {
  return fs.stat(file).then((s) => s.size, () => undefined);
}

/**
 * Opens an ingest of `expected.digest`: waits while another process ingests the same digest (its
 * lock file holds its pid), then resumes its partial file, or finds the blob already there.
 * `restart` drops any partial instead of resuming (for a writer that has the whole content).
 */
export async function openIngest(paths: IngestPaths, expected: { digest: string; size?: number }, restart = false): Promise<BlobIngest> {
  const hex = digestHex(expected.digest);
  const blob = path.join(paths.blobsDir, hex);
  const done = async () => {
    await touch(blob);
    return completeIngest((await sizeOf(blob)) ?? 0);
  };
  if (await exists(blob)) return done();
  const lock = await acquireLock(ingestLockPath(paths, expected.digest), { satisfied: () => exists(blob) });
  if (!lock) return done();
  try {
    if (await exists(blob)) {
      await lock.release();
      return await done();
    }
    const partial = partialPath(paths, expected.digest);
    const kept = restart ? undefined : await sizeOf(partial);
    const hash = createHash('sha256');
    let offset = 0;
    if (kept !== undefined && (expected.size === undefined || kept <= expected.size)) {
      for await (const chunk of createReadStream(partial)) hash.update(chunk as Buffer);
      offset = kept;
    } else {
      await fs.rm(partial, { force: true });
    }
    const handle = await fs.open(partial, 'a');
    return new PartialBlob(handle, hash, offset, partial, blob, expected, lock, paths.blobsDir);
  } catch (err) {
    await lock.release();
    throw err;
  }
}

function completeIngest(size: number): BlobIngest {
  return {
    offset: size,
    complete: true,
    write: () => Promise.resolve(),
    commit: () => Promise.resolve(),
    close: () => Promise.resolve(),
    discard: () => Promise.resolve(),
  };
}

class PartialBlob implements BlobIngest {
  readonly complete = false;
  private written: number;
  private finished = false;

  constructor(
    private readonly handle: fs.FileHandle,
    private readonly hash: Hash,
    readonly offset: number,
    private readonly partial: string,
    private readonly blob: string,
    private readonly expected: { digest: string; size?: number },
    private readonly lock: FileLock,
    private readonly blobsDir: string,
  ) {
    this.written = offset;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.checkOpen();
    if (this.expected.size !== undefined && this.written + chunk.length > this.expected.size) {
      await this.fail(new DigestMismatchError(this.expected.digest, `more than ${this.expected.size} bytes`, 'the content is longer than its descriptor says'));
    }
    let done = 0;
    try {
      while (done < chunk.length) {
        const { bytesWritten } = await this.handle.write(chunk, done, chunk.length - done);
        done += bytesWritten;
      }
    } catch (err) {
      const full = noSpaceError(err, `blob ${this.expected.digest}`, path.dirname(this.partial));
      if (full !== err) await this.fail(full as Error);
      throw err;
    }
    this.hash.update(chunk);
    this.written += chunk.length;
  }

  async commit(): Promise<void> {
    this.checkOpen();
    if (this.expected.size !== undefined && this.written !== this.expected.size) {
      await this.fail(new DigestMismatchError(this.expected.digest, `${this.written} bytes`, `expected ${this.expected.size} bytes`));
    }
    const actual = `sha256:${this.hash.digest('hex')}`;
    if (actual !== this.expected.digest) await this.fail(new DigestMismatchError(this.expected.digest, actual));
    this.finished = true;
    try {
      await this.handle.sync();
      await this.handle.close();
      await fs.rename(this.partial, this.blob);
      await syncDir(this.blobsDir);
    } finally {
      await this.lock.release();
    }
  }

  async close(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    try {
      await this.handle.close();
    } finally {
      await this.lock.release();
    }
  }

  async discard(): Promise<void> {
    if (this.finished) return;
    await this.fail(undefined);
  }

  private checkOpen(): void {
    if (this.finished) throw new Error(`the ingest of ${this.expected.digest} is already committed or closed`);
  }

  /** Closes and removes the partial, then throws `err` (returns when there is none). */
  private async fail(err: Error): Promise<never>;
  private async fail(err: undefined): Promise<void>;
  private async fail(err: Error | undefined): Promise<void> {
    this.finished = true;
    try {
      await this.handle.close();
      await fs.rm(this.partial, { force: true });
    } finally {
      await this.lock.release();
    }
    if (err) throw err;
  }
}
