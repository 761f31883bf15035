import { posix } from 'node:path';
import { readTar, type TarEntryType } from '../core/layers/tarReader';
import type { Engine } from './engine';

export interface DirectoryEntry {
  readonly name: string;
  readonly type: TarEntryType;
  readonly size: number;
  readonly linkName: string;
}

/** Archives bigger than this are not read to list a directory or open a file. */
export const MAX_ARCHIVE_BYTES = 256 * 1024 * 1024;

/**
 * The entries of a directory in a container, running or stopped, read from the engine's archive of
 * it (so it works in images without a shell). Only headers are read; file contents are skipped.
 */
export async function listContainerDirectory(engine: Engine, id: string, dir: string): Promise<DirectoryEntry[]> {
  const abort = new AbortController();
  const base = dir === '/' ? '' : posix.basename(dir);
  const entries: DirectoryEntry[] = [];
  let read = 0;
  for await (const entry of readTar(counting(await engine.containerArchive(id, dir, abort.signal), (n) => {
    read += n;
    if (read > MAX_ARCHIVE_BYTES) abort.abort();
  }))) {
    const relative = base ? (entry.path === base ? '' : entry.path.startsWith(`${base}/`) ? entry.path.slice(base.length + 1) : undefined) : entry.path;
    if (relative && !relative.includes('/')) entries.push({ name: relative, type: entry.type, size: entry.size, linkName: entry.linkName });
  }
  if (abort.signal.aborted) throw new Error(`${dir} holds more than ${MAX_ARCHIVE_BYTES / 2 ** 20} MB; open one of its subfolders instead.`);
  return entries;
}

/** The contents of a file in a container, up to `limit` bytes. */
export async function readContainerFile(engine: Engine, id: string, file: string, limit = 50 * 1024 * 1024): Promise<Buffer> {
  for await (const entry of readTar(await engine.containerArchive(id, file))) {
    if (entry.type !== 'file') throw new Error(`${file} is a ${entry.type}, not a file.`);
    if (entry.size > limit) throw new Error(`${file} is ${entry.size} bytes; only files up to ${limit} bytes are opened.`);
    const parts: Buffer[] = [];
    for await (const part of entry.body) parts.push(part);
    return Buffer.concat(parts);
  }
  throw new Error(`The engine sent nothing for ${file}.`);
}

async function* counting(chunks: AsyncIterable<Buffer>, count: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    count(chunk.length);
    yield chunk;
  }
}
