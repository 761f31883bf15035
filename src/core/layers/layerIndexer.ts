import crypto from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { Decompress } from 'fzstd';
import type { FileRange } from './imageSource';
import { LayerIndexBuilder, type Compression, type EntryKind, type LayerIndex } from './layerIndex';
import type { TarHeader } from './tarHeader';
import { TarParser, type TarSink } from './tarParser';

/** Inflated output per chunk: 16 KB (zlib's default) costs twice the time in per-chunk overhead. */
const INFLATE_CHUNK = 256 * 1024;

/** How a layer is compressed, from its first bytes (never from a media type, which can lie). */
export function detectCompression(head: Uint8Array): Compression | 'bzip2' | 'xz' | 'unknown' {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head.length >= 3 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  if (head.length >= 6 && head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a && head[5] === 0x00) return 'xz';
  if (head.length === 0 || (head.length >= 263 && Buffer.from(head.buffer, head.byteOffset + 257, 5).toString('latin1') === 'ustar')) return 'none';
  // A tar without the ustar magic (v7): the header checksum decides, in the tar parser.
  return head.length >= 512 ? 'none' : 'unknown';
}

const oneShotHash: ((data: Buffer) => Buffer) | undefined = typeof (crypto as { hash?: unknown }).hash === 'function'
  ? (data) => (crypto as unknown as { hash(a: string, d: Buffer, f: 'buffer'): Buffer }).hash('sha256', data, 'buffer')
  : undefined;
const EMPTY_SHA256 = crypto.createHash('sha256').digest();

/**
 * Turns tar entries into index rows: whiteouts (`.wh.<name>`) become rows of kind `whiteout` for
 * the deleted path, opaque markers (`.wh..wh..opq`) rows of kind `opaque` for their directory, and
 * every file's content is hashed (sha256) as it passes.
 */
class IndexingSink implements TarSink {
  readonly builder = new LayerIndexBuilder();
  fileBytes = 0;
  private row = -1;
  private expected = 0;
  private seen = 0;
  private hash: crypto.Hash | undefined;

  entry(header: TarHeader): void {
    const slash = header.path.lastIndexOf('/');
    const dir = slash < 0 ? '' : header.path.slice(0, slash);
    const base = header.path.slice(slash + 1);
    let kind: EntryKind = header.type;
    let path = header.path;
    if (base === '.wh..wh..opq') {
      kind = 'opaque';
      path = dir;
    } else if (base.startsWith('.wh.') && !['', '.', '..'].includes(base.slice(4))) {
      kind = 'whiteout';
      path = dir ? `${dir}/${base.slice(4)}` : base.slice(4);
    } else if (!path) {
      this.row = -1; // the root directory's own entry (`./`)
      return;
    }
    const size = kind === 'whiteout' || kind === 'opaque' ? 0 : header.size;
    this.fileBytes += size;
    this.row = this.builder.add({ path, kind, size, mode: header.mode, uid: header.uid, gid: header.gid, mtime: header.mtime, link: header.linkName });
    this.expected = kind === 'file' ? header.size : -1;
    this.seen = 0;
    this.hash = undefined;
  }

  data(slice: Buffer): void {
    if (this.expected < 0 || this.row < 0) return;
    if (this.seen === 0 && slice.length === this.expected && oneShotHash) {
      this.builder.setHash(this.row, oneShotHash(slice));
      this.seen = slice.length;
      this.expected = -2; // hashed
      return;
    }
    (this.hash ??= crypto.createHash('sha256')).update(slice);
    this.seen += slice.length;
  }

  entryEnd(): void {
    if (this.row < 0 || this.expected === -1 || this.expected === -2) return;
    this.builder.setHash(this.row, this.hash ? this.hash.digest() : EMPTY_SHA256);
  }
}

export interface IndexOptions {
  /** Called now and then with the stored (compressed) bytes read so far. */
  readonly onProgress?: (storedBytes: number) => void;
  /**
   * The diffID, when the source already computed it from these very bytes (an engine export,
   * hashed as it was spooled): the tar is then not hashed a second time.
   */
  readonly knownDiffId?: string;
}

/** Bytes read from a file per call: large enough that the calls cost nothing next to the work. */
const READ_SIZE = 1 << 20;
const COMPRESSED_READ_SIZE = 256 << 10;

/**
 * Reads one layer (gzip, zstd or plain tar, detected from its bytes) once, in constant memory,
 * and returns its index with the sha256 of the uncompressed tar (its diffID) unless known. Throws an Error
 * that says what is wrong with a corrupt, truncated or unsupported layer.
 */
export async function indexLayer(source: AsyncIterable<Uint8Array> | FileRange, options: IndexOptions = {}): Promise<LayerIndex> {
  if (!(Symbol.asyncIterator in source)) return indexFileRange(source, options);
  const iterator = source[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let headLength = 0;
  let ended = false;
  while (headLength < 512) {
    const r = await iterator.next();
    if (r.done) {
      ended = true;
      break;
    }
    first.push(asBuffer(r.value));
    headLength += r.value.length;
  }
  const head = Buffer.concat(first);
  const rest = (async function* () {
    if (head.length) yield head;
    while (!ended) {
      const r = await iterator.next();
      if (r.done) return;
      yield asBuffer(r.value);
    }
  })();
  return indexBytes(head, rest, undefined, options);
}

/** Synchronous reads in a loop: this runs on a worker thread, where blocking it blocks no one. */
async function indexFileRange(range: FileRange, options: IndexOptions): Promise<LayerIndex> {
  const fd = fs.openSync(range.path, 'r');
  try {
    let position = range.offset;
    const end = range.offset + range.length;
    const readInto = (buffer: Buffer): Buffer => {
      const n = position < end ? fs.readSync(fd, buffer, 0, Math.min(buffer.length, end - position), position) : 0;
      if (n === 0 && position < end) throw new Error(`the layer ended ${end - position} bytes early (the file is shorter than its index says)`);
      position += n;
      return buffer.subarray(0, n);
    };
    const head = readInto(Buffer.allocUnsafe(Math.min(READ_SIZE, range.length)));
    // Plain tar is parsed synchronously and never kept, so one buffer serves every read.
    const reused = Buffer.allocUnsafe(READ_SIZE);
    const plain = function* () {
      if (head.length) yield head;
      while (position < end) yield readInto(reused);
    };
    // A decompressor may hold on to its input: fresh buffers, smaller (it takes its time over each).
    const fresh = function* () {
      if (head.length) yield head;
      while (position < end) yield readInto(Buffer.allocUnsafe(COMPRESSED_READ_SIZE));
    };
    return await indexBytes(head, fresh(), plain(), options);
  } finally {
    fs.closeSync(fd);
  }
}

async function indexBytes(head: Buffer, rest: AsyncIterable<Buffer> | Iterable<Buffer>, restSync: Iterable<Buffer> | undefined, options: IndexOptions): Promise<LayerIndex> {
  const detected = detectCompression(head);
  if (detected === 'bzip2' || detected === 'xz') throw new Error(`the layer is ${detected}-compressed; layers are gzip, zstd or plain tar`);
  if (detected === 'unknown') throw new Error(`the layer is not a tar archive (${head.length} bytes)`);
  const compression: Compression = detected;

  let storedSize = 0;
  let lastReport = 0;
  const counted = (chunk: Buffer): Buffer => {
    storedSize += chunk.length;
    if (options.onProgress && storedSize - lastReport >= 4 << 20) {
      lastReport = storedSize;
      options.onProgress(storedSize);
    }
    return chunk;
  };
  const stored = (async function* () {
    for await (const chunk of rest) yield counted(chunk);
  })();

  const sink = new IndexingSink();
  const parser = new TarParser(sink);
  const diffId = options.knownDiffId ? undefined : crypto.createHash('sha256');
  let tarSize = 0;
  const consume = (chunk: Buffer) => {
    diffId?.update(chunk);
    tarSize += chunk.length;
    parser.push(chunk);
  };
  try {
    if (compression === 'gzip') {
      // One compressed chunk waiting at a time: a stream's default (16 chunks) would hold 16 MB.
      await pipeline(Readable.from(stored, { highWaterMark: 1 }), zlib.createGunzip({ chunkSize: INFLATE_CHUNK }), async (inflated: AsyncIterable<Buffer>) => {
        for await (const chunk of inflated) consume(chunk);
      });
    } else if (compression === 'zstd') {
      const zstd = new Decompress((out) => consume(asBuffer(out)));
      for await (const chunk of stored) zstd.push(chunk);
      zstd.push(new Uint8Array(0), true);
    } else if (restSync) {
      for (const chunk of restSync) consume(counted(chunk));
    } else {
      for await (const chunk of stored) consume(chunk);
    }
    parser.end();
  } catch (err) {
    throw new Error(describeFailure(compression, err), { cause: err });
  }
  options.onProgress?.(storedSize);
  return sink.builder.finish({ diffId: diffId ? `sha256:${diffId.digest('hex')}` : options.knownDiffId!, compression, storedSize, tarSize, fileBytes: sink.fileBytes });
}

function describeFailure(compression: Compression, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string }).code;
  if (compression === 'gzip' && code?.startsWith('Z_')) return `the layer's gzip data is corrupt or truncated (${message})`;
  if (compression === 'zstd' && !/tar|stream ended/.test(message)) return `the layer's zstd data is corrupt or truncated (${message})`;
  return `the layer's tar is corrupt or truncated: ${message}`;
}

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
