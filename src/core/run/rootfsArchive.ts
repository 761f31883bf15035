import fs from 'node:fs';
import path from 'node:path';
import { resolveInRoot } from './rootPath';

const FLAGS = { file: '0', hardlink: '1', symlink: '2', directory: '5' } as const;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function paxRecord(key: string, value: string): Buffer {
  const text = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(text) + 1;
  while (String(length).length + Buffer.byteLength(text) !== length) length = String(length).length + Buffer.byteLength(text);
  return Buffer.from(`${length}${text}`);
}

function header(name: string, flag: string, size: number, stat: fs.Stats, link = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0, 100, 'utf8');
  h.write(octal(stat.mode & 0o7777, 8), 100, 'latin1');
  h.write(octal(stat.uid, 8), 108, 'latin1');
  h.write(octal(stat.gid, 8), 116, 'latin1');
  h.write(octal(size, 12), 124, 'latin1');
  h.write(octal(Math.floor(stat.mtimeMs / 1000), 12), 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write(flag, 156, 'latin1');
  h.write(link.slice(0, 100), 157, 100, 'utf8');
  h.write('ustar\u000000', 257, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

function* entryHeader(name: string, flag: string, size: number, stat: fs.Stats, link = ''): Generator<Buffer> {
  const long = (s: string) => Buffer.byteLength(s) > 100 || /[^\x20-\x7e]/.test(s);
  if (long(name) || long(link)) {
    const pax = Buffer.concat([...(long(name) ? [paxRecord('path', name)] : []), ...(long(link) ? [paxRecord('linkpath', link)] : [])]);
    yield header('PaxHeader', 'x', pax.length, stat);
    yield pax;
    if (pax.length % 512) yield Buffer.alloc(512 - (pax.length % 512));
  }
  yield header(name, flag, size, stat, link);
}

/**
 * `containerPath` inside `rootfs` as a tar stream, the way `docker cp` reads it: the entry itself
 * named by its base name (the root's content unprefixed), then what is under it. Symlinks are
 * archived as links and never followed; the walk stops when `signal` aborts.
 */
export async function* archiveRootfsPath(rootfs: string, containerPath: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const start = resolveInRoot(rootfs, containerPath);
  const base = start === path.resolve(rootfs) ? '' : path.basename(start);
  const walk = async function* (file: string, name: string): AsyncGenerator<Buffer> {
    if (signal?.aborted) return;
    const stat = fs.lstatSync(file);
    if (stat.isDirectory()) {
      if (name) yield* entryHeader(`${name}/`, FLAGS.directory, 0, stat);
      for (const child of fs.readdirSync(file).sort()) yield* walk(path.join(file, child), name ? `${name}/${child}` : child);
    } else if (stat.isSymbolicLink()) {
      yield* entryHeader(name, FLAGS.symlink, 0, stat, fs.readlinkSync(file));
    } else if (stat.isFile()) {
      yield* entryHeader(name, FLAGS.file, stat.size, stat);
      let written = 0;
      for await (const chunk of fs.createReadStream(file, { end: Math.max(0, stat.size - 1) }) as AsyncIterable<Buffer>) {
        if (!stat.size) break;
        written += chunk.length;
        yield chunk;
      }
      if (written < stat.size) yield Buffer.alloc(stat.size - written);
      if (stat.size % 512) yield Buffer.alloc(512 - (stat.size % 512));
    }
  };
  yield* walk(start, base);
  yield Buffer.alloc(1024);
}

/** What is at `containerPath` in `rootfs`, without following a final symlink. */
export function statRootfsPath(rootfs: string, containerPath: string): { name: string; size: number; type: 'file' | 'directory' | 'symlink' | 'other'; mtime: number; linkTarget: string } {
  const file = resolveInRoot(rootfs, containerPath);
  const stat = fs.lstatSync(file);
  const type = stat.isFile() ? 'file' : stat.isDirectory() ? 'directory' : stat.isSymbolicLink() ? 'symlink' : 'other';
  return { name: path.basename(containerPath) || '/', size: stat.size, type, mtime: stat.mtimeMs, linkTarget: type === 'symlink' ? fs.readlinkSync(file) : '' };
}
