import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { applyLayer } from '../run/rootfs';
import { BuildError } from './buildError';

/**
 * ADD of a URL: an HTTP(S) GET (redirects followed, five at most) saved in `dir` under the last
 * segment of the URL's path, mode 0600 and the Last-Modified time as Docker does. Returns the name.
 */
export async function downloadUrl(url: string, dir: string, signal?: AbortSignal, redirects = 5): Promise<string> {
  const parsed = new URL(url);
  const name = path.posix.basename(decodeURIComponent(parsed.pathname)) || '__unnamed__';
  const file = path.join(dir, name);
  const get = parsed.protocol === 'https:' ? https.get : http.get;
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = get(parsed, { signal }, resolve);
    req.on('error', (err) => reject(new BuildError(`failed to GET ${url}: ${err.message}`)));
  });
  if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && res.headers.location && redirects > 0) {
    res.resume();
    const next = new URL(res.headers.location, parsed).toString();
    const saved = await downloadUrl(next, dir, signal, redirects - 1);
    if (saved !== name) await fs.rename(path.join(dir, saved), file);
    return name;
  }
  if (res.statusCode !== 200) {
    res.resume();
    throw new BuildError(`failed to GET ${url} with status ${res.statusCode} ${res.statusMessage ?? ''}`.trim());
  }
  await pipeline(res, createWriteStream(file, { mode: 0o600 }));
  await fs.chmod(file, 0o600);
  const modified = res.headers['last-modified'] ? new Date(res.headers['last-modified']) : undefined;
  if (modified && !Number.isNaN(modified.getTime())) await fs.utimes(file, modified, modified);
  return name;
}

/** A local tar, plain or gzip, that ADD unpacks instead of copying (from its first bytes, not its name). */
export async function isArchive(file: string): Promise<boolean> {
  const st = await fs.stat(file);
  if (!st.isFile() || st.size < 2) return false;
  const handle = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(265);
    const { bytesRead } = await handle.read(head, 0, 265, 0);
    if (head[0] === 0x1f && head[1] === 0x8b) return true;
    if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return true;
    return bytesRead >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
  } finally {
    await handle.close();
  }
}

/** Unpacks the archive into `dir`, every entry kept inside it. */
export async function extractArchive(file: string, dir: string): Promise<void> {
  await applyLayer(dir, createReadStream(file));
}
