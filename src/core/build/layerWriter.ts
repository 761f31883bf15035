import { createHash } from 'node:crypto';
import { createReadStream, type BigIntStats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import zlib from 'node:zlib';
import { MediaType } from '../store/descriptor';
import { recordDiffId } from '../store/imageVerification';
import type { ImageStore } from '../store/imageStore';
import type { TreeChanges } from './treeSnapshot';

export interface BuiltLayer {
  readonly digest: string;
  readonly size: number;
  readonly diffId: string;
  readonly mediaType: string;
}

/** gzip level of new layers: BuildKit uses the default (6); 1 is close in size for typical trees and several times faster. */
const GZIP_LEVEL = 1;

/** Files up to this size are read whole (one call instead of a stream's setup). */
const SMALL_FILE = 1 << 20;

interface EntryHeader {
  name: string;
  type: '0' | '1' | '2' | '5' | 'x';
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname?: string;
}

/**
 * A layer of `changes` read from `root`: a tar with each changed path (mode, owner and mtime as
 * on disk, hardlinks kept as links) and an OCI whiteout for each removed one, gzip-compressed into
 * the store. The diffID is the digest of the tar, the digest that of the gzip.
 */
export async function writeLayer(store: ImageStore, root: string, changes: TreeChanges): Promise<BuiltLayer> {
  const tar = new PassThrough({ highWaterMark: 1 << 20 });
  const gzip = zlib.createGzip({ level: GZIP_LEVEL });
  const diffHash = createHash('sha256');
  tar.on('data', (chunk: Buffer) => diffHash.update(chunk));
  tar.pipe(gzip);
  const stored = store.writeBlob(gzip);
  try {
    await writeEntries(tar, root, changes);
  } catch (err) {
    gzip.destroy(err as Error);
    await stored.catch(() => undefined);
    throw err;
  }
  const { digest, size } = await stored;
  const diffId = `sha256:${diffHash.digest('hex')}`;
  // Both hashes were computed here over the bytes written: the pair needs no second pass to verify.
  await recordDiffId(store, digest, diffId);
  return { digest, size, diffId, mediaType: MediaType.ociLayerGzip };
}

async function write(out: PassThrough, data: Buffer): Promise<void> {
  if (!out.write(data)) await new Promise((resolve) => out.once('drain', resolve));
}

/** Entries looked up (and small files read) ahead of the one being written: each is a syscall round trip. */
const READ_AHEAD = 16;

interface Prepared {
  readonly st: BigIntStats;
  readonly data?: Buffer;
}

async function prepare(file: string): Promise<Prepared> {
  const st = await fs.lstat(file, { bigint: true });
  if (st.isFile() && st.size <= BigInt(SMALL_FILE) && st.nlink === 1n) return { st, data: await fs.readFile(file) };
  return { st };
}

async function writeEntries(out: PassThrough, root: string, changes: TreeChanges): Promise<void> {
  const links = new Map<bigint, string>();
  const removed = new Set(changes.removed);
  const entries = [...changes.changed, ...changes.removed.map(whiteoutOf)].sort();
  const isWhiteout = (name: string) => removed.has(originalOf(name));
  const ahead = new Map<number, Promise<Prepared>>();
  const readAhead = (from: number) => {
    for (let j = from; j < Math.min(entries.length, from + READ_AHEAD); j++) {
      if (!ahead.has(j) && !isWhiteout(entries[j])) {
        const p = prepare(path.join(root, entries[j]));
        p.catch(() => undefined);
        ahead.set(j, p);
      }
    }
  };
  for (let i = 0; i < entries.length; i++) {
    const name = entries[i];
    if (isWhiteout(name)) {
      await write(out, header({ name, type: '0', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0 }));
      continue;
    }
    readAhead(i);
    const { st, data } = await ahead.get(i)!;
    ahead.delete(i);
    const file = path.join(root, name);
    const base = { name, mode: Number(st.mode) & 0o7777, uid: Number(st.uid), gid: Number(st.gid), mtime: Number(st.mtimeMs / 1000n), size: 0 };
    if (st.isDirectory()) await write(out, header({ ...base, name: `${name}/`, type: '5' }));
    else if (st.isSymbolicLink()) await write(out, header({ ...base, type: '2', linkname: await fs.readlink(file) }));
    else if (st.isFile()) {
      const first = st.nlink > 1n ? links.get(st.ino) : undefined;
      if (first) {
        await write(out, header({ ...base, type: '1', linkname: first }));
        continue;
      }
      if (st.nlink > 1n) links.set(st.ino, name);
      const size = Number(st.size);
      await write(out, header({ ...base, type: '0', size }));
      let written = 0;
      for await (const chunk of data ? [data] : createReadStream(file)) {
        const c = chunk as Buffer;
        const take = Math.min(c.length, size - written);
        if (take > 0) await write(out, take === c.length ? c : c.subarray(0, take));
        written += take;
      }
      if (written < size) throw new Error(`${name} shrank while it was archived`);
      if (size % 512) await write(out, Buffer.alloc(512 - (size % 512)));
    }
    // sockets, fifos and devices made by a RUN are left out, as the sandbox's /dev is never committed
  }
  await write(out, Buffer.alloc(1024));
  out.end();
}

function whiteoutOf(p: string): string {
  const slash = p.lastIndexOf('/');
  return `${p.slice(0, slash + 1)}.wh.${p.slice(slash + 1)}`;
}

function originalOf(name: string): string {
  const slash = name.lastIndexOf('/');
  const base = name.slice(slash + 1);
  return base.startsWith('.wh.') ? `${name.slice(0, slash + 1)}${base.slice(4)}` : '';
}

/** A ustar header, preceded by a PAX header when the name, link or ids do not fit. */
function header(e: EntryHeader): Buffer {
  const pax: string[] = [];
  if (Buffer.byteLength(e.name) > 100) pax.push(record('path', e.name));
  if (e.linkname && Buffer.byteLength(e.linkname) > 100) pax.push(record('linkpath', e.linkname));
  if (e.uid > 0o7777777) pax.push(record('uid', String(e.uid)));
  if (e.gid > 0o7777777) pax.push(record('gid', String(e.gid)));
  if (e.size >= 8 ** 11) pax.push(record('size', String(e.size)));
  const main = block(e);
  if (!pax.length) return main;
  const body = Buffer.from(pax.join(''));
  const paxHeader = block({ name: `PaxHeaders/${path.posix.basename(e.name)}`.slice(0, 100), type: 'x', mode: 0o644, uid: 0, gid: 0, size: body.length, mtime: e.mtime });
  const pad = body.length % 512 ? Buffer.alloc(512 - (body.length % 512)) : Buffer.alloc(0);
  return Buffer.concat([paxHeader, body, pad, main]);
}

function record(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(rest) + 1;
  while (String(len).length + Buffer.byteLength(rest) !== len) len = String(len).length + Buffer.byteLength(rest);
  return `${len}${rest}`;
}

function block(e: EntryHeader): Buffer {
  const h = Buffer.alloc(512);
  h.write(e.name, 0, 100, 'utf8');
  h.write(octal(e.mode, 8), 100, 'latin1');
  h.write(octal(Math.min(e.uid, 0o7777777), 8), 108, 'latin1');
  h.write(octal(Math.min(e.gid, 0o7777777), 8), 116, 'latin1');
  h.write(octal(Math.min(e.size, 8 ** 11 - 1), 12), 124, 'latin1');
  h.write(octal(Math.max(0, e.mtime), 12), 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write(e.type, 156, 'latin1');
  if (e.linkname) h.write(e.linkname, 157, 100, 'utf8');
  h.write('ustar\u000000', 257, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}
