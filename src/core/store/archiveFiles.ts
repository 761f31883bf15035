import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import { SeekableArchive, type ArchiveContents } from '../layers/archiveContents';
import { SpooledArchive } from '../layers/spooledArchive';
import type { FileRange } from '../layers/imageSource';
import { StoreError } from './storeErrors';

/** Refuses, in words, a path that is not a readable file: missing, a directory, not ours to read. */
export async function checkArchiveFile(file: string, what: string): Promise<void> {
  const stat = await fs.stat(file).catch((err: NodeJS.ErrnoException) => {
    throw new StoreError(err.code === 'ENOENT' ? `${file}: no such file` : err.code === 'EACCES' ? `${file}: permission denied` : `${file} cannot be read (${err.code ?? 'error'})`);
  });
  if (!stat.isFile()) throw new StoreError(`${file} is ${stat.isDirectory() ? 'a directory' : 'not a regular file'}, not ${what}`);
}

/** Whether the file starts with gzip's magic bytes. */
export async function isGzipFile(file: string): Promise<boolean> {
  const head = Buffer.alloc(2);
  const handle = await fs.open(file, 'r');
  try {
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** The archive's entries by name: read in place when uncompressed, unpacked to a temp folder when gzipped. */
export async function openArchiveContents(file: string): Promise<{ contents: ArchiveContents; dispose: () => Promise<void> }> {
  if (await isGzipFile(file)) {
    const spooled = await SpooledArchive.spool(createReadStream(file));
    return { contents: spooled, dispose: () => spooled.dispose() };
  }
  return { contents: await SeekableArchive.open(file), dispose: () => Promise.resolve() };
}

/** The bytes of a file range, streamed. */
export function rangeStream(range: FileRange): AsyncIterable<Uint8Array> {
  if (range.length === 0) return Readable.from([]);
  return createReadStream(range.path, { start: range.offset, end: range.offset + range.length - 1 });
}

/** The first bytes of a range (for compression detection). */
export async function rangeHead(range: FileRange, length: number): Promise<Buffer> {
  const handle = await fs.open(range.path, 'r');
  try {
    const head = Buffer.alloc(Math.min(length, range.length));
    const { bytesRead } = await handle.read(head, 0, head.length, range.offset);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
