import crypto from 'node:crypto';
import zlib from 'node:zlib';

/** An entry of a layer a test makes: a file (content), a directory, a link. */
export interface TestEntry {
  readonly path: string;
  readonly type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'char';
  readonly content?: string | Buffer;
  readonly mode?: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly link?: string;
  readonly mtime?: number;
  /** A size field that disagrees with the content (a lying or truncated layer). */
  readonly declaredSize?: number;
}

const TYPE_FLAGS = { file: '0', dir: '5', symlink: '2', hardlink: '1', char: '3' } as const;

/**
 * A POSIX tar of the entries, in order, with a PAX record for names that do not fit ustar (long
 * or non-ASCII ones) — the way layers are written by Docker and BuildKit.
 */
export function makeTar(entries: readonly TestEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const body = type === 'file' ? Buffer.from(entry.content ?? '') : Buffer.alloc(0);
    const name = type === 'dir' && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path;
    if (Buffer.byteLength(name) > 100 || /[^\x20-\x7e]/.test(name)) blocks.push(...paxRecord({ path: name }));
    blocks.push(header(name.slice(0, 100), TYPE_FLAGS[type], entry.declaredSize ?? body.length, entry), pad(body));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** An extension record (`x`, `g`, `L`, `K`) holding `data`, its size field `size` (a lie when it differs). */
export function extensionRecord(flag: string, data: Buffer, size = data.length): Buffer {
  return Buffer.concat([header('PaxHeader', flag, size, {}), pad(data)]);
}

function paxRecord(attrs: Record<string, string>): Buffer[] {
  const body = Buffer.concat(Object.entries(attrs).map(([k, v]) => {
    const text = ` ${k}=${v}\n`;
    let length = Buffer.byteLength(text) + 1;
    while (String(length).length + Buffer.byteLength(text) !== length) length = String(length).length + Buffer.byteLength(text);
    return Buffer.from(`${length}${text}`);
  }));
  return [header('PaxHeader', 'x', body.length, {}), pad(body)];
}

function header(name: string, flag: string, size: number, entry: Partial<TestEntry>): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(entry.mode ?? (flag === '5' ? 0o755 : 0o644), 8), 100, 'latin1');
  h.write(octal(entry.uid ?? 0, 8), 108, 'latin1');
  h.write(octal(entry.gid ?? 0, 8), 116, 'latin1');
  h.write(octal(size, 12), 124, 'latin1');
  h.write(octal(entry.mtime ?? 1700000000, 12), 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write(flag, 156, 'latin1');
  h.write(entry.link ?? '', 157, 100, 'utf8');
  h.write('ustar\u000000', 257, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

function pad(body: Buffer): Buffer {
  const rest = body.length % 512;
  return rest ? Buffer.concat([body, Buffer.alloc(512 - rest)]) : body;
}

export function sha256(data: string | Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/**
 * A `docker save` archive (legacy layout) of one image made of these layer tars, with a config
 * whose history has the given commands (an empty-layer step where `layer` is false). A layer may
 * be gzipped: its diffID is then the sha256 of its tar.
 */
export function makeImageArchive(layers: readonly Buffer[], options: { tag?: string; history?: readonly { createdBy: string; layer: boolean }[] } = {}): Buffer {
  const diffIds = layers.map((l) => `sha256:${sha256(l[0] === 0x1f && l[1] === 0x8b ? zlib.gunzipSync(l) : l)}`);
  const history = options.history ?? layers.map((_, i) => ({ createdBy: `/bin/sh -c #(nop) layer ${i}`, layer: true }));
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created: '2024-01-02T03:04:05Z',
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: history.map((h) => ({ created: '2024-01-02T03:04:05Z', created_by: h.createdBy, ...(h.layer ? {} : { empty_layer: true }) })),
  }));
  const configName = `${sha256(config)}.json`;
  const layerNames = layers.map((l) => `${sha256(l)}/layer.tar`);
  const manifest = Buffer.from(JSON.stringify([{ Config: configName, RepoTags: options.tag ? [options.tag] : null, Layers: layerNames }]));
  return makeTar([
    ...layers.map((content, i) => ({ path: layerNames[i], content })),
    { path: configName, content: config },
    { path: 'manifest.json', content: manifest },
  ]);
}
