/**
 * What one layer holds, entry by entry, in columns (typed arrays) rather than one object per
 * entry: 200,000 entries take ~20 MB, encode to one buffer without a per-entry step, cross a
 * worker or webview boundary as that buffer, and are cached on disk as it. No Node APIs here: the
 * webview decodes the same bytes.
 */

export const ENTRY_KINDS = ['file', 'directory', 'symlink', 'hardlink', 'character', 'block', 'fifo', 'other', 'whiteout', 'opaque'] as const;
/**
 * `whiteout`: the layer deletes `path` from the layers below (a `.wh.<name>` entry; `path` is the
 * deleted one). `opaque`: the directory `path` hides what the layers below put in it (a
 * `.wh..wh..opq` entry).
 */
export type EntryKind = (typeof ENTRY_KINDS)[number];
export const KIND = Object.fromEntries(ENTRY_KINDS.map((k, i) => [k, i])) as Record<EntryKind, number>;

export type Compression = 'gzip' | 'zstd' | 'none';

export interface LayerMeta {
  /** sha256 of the uncompressed tar, `sha256:<hex>`, computed while reading it. */
  readonly diffId: string;
  readonly compression: Compression;
  /** Bytes as stored (compressed when the layer is). */
  readonly storedSize: number;
  /** Bytes of the uncompressed tar. */
  readonly tarSize: number;
  /** Sum of the entries' sizes: what dive calls the layer's size. */
  readonly fileBytes: number;
}

export const HASH_BYTES = 32;

export interface LayerIndex {
  readonly meta: LayerMeta;
  readonly count: number;
  /** Normalised tar paths; for whiteouts the deleted path, for opaque markers the directory. */
  readonly paths: readonly string[];
  readonly kinds: Uint8Array;
  readonly sizes: Float64Array;
  readonly modes: Uint32Array;
  readonly uids: Uint32Array;
  readonly gids: Uint32Array;
  /** Milliseconds since the epoch. */
  readonly mtimes: Float64Array;
  /** Symlink and hardlink targets, '' for other entries. */
  readonly links: readonly string[];
  /** sha256 of each file's content, HASH_BYTES per entry (zeros for entries that are not files). */
  readonly hashes: Uint8Array;
}

export interface EntryFields {
  readonly path: string;
  readonly kind: EntryKind;
  readonly size: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: number;
  readonly link: string;
}

/** Collects entries as they are read, growing its columns by doubling. */
export class LayerIndexBuilder {
  private capacity = 1024;
  private n = 0;
  private readonly paths: string[] = [];
  private readonly links: string[] = [];
  private kinds = new Uint8Array(this.capacity);
  private sizes = new Float64Array(this.capacity);
  private modes = new Uint32Array(this.capacity);
  private uids = new Uint32Array(this.capacity);
  private gids = new Uint32Array(this.capacity);
  private mtimes = new Float64Array(this.capacity);
  private hashes = new Uint8Array(this.capacity * HASH_BYTES);

  get count(): number {
    return this.n;
  }

  /** Adds an entry; returns its position, for setHash. */
  add(entry: EntryFields): number {
    if (this.n === this.capacity) this.grow();
    const i = this.n++;
    this.paths.push(entry.path);
    this.links.push(entry.link);
    this.kinds[i] = KIND[entry.kind];
    this.sizes[i] = entry.size;
    this.modes[i] = entry.mode >>> 0;
    this.uids[i] = clampId(entry.uid);
    this.gids[i] = clampId(entry.gid);
    this.mtimes[i] = entry.mtime;
    return i;
  }

  setHash(i: number, digest: Uint8Array): void {
    this.hashes.set(digest.subarray(0, HASH_BYTES), i * HASH_BYTES);
  }

  finish(meta: LayerMeta): LayerIndex {
    const n = this.n;
    return {
      meta,
      count: n,
      paths: this.paths,
      links: this.links,
      kinds: this.kinds.slice(0, n),
      sizes: this.sizes.slice(0, n),
      modes: this.modes.slice(0, n),
      uids: this.uids.slice(0, n),
      gids: this.gids.slice(0, n),
      mtimes: this.mtimes.slice(0, n),
      hashes: this.hashes.slice(0, n * HASH_BYTES),
    };
  }

  private grow(): void {
    this.capacity *= 2;
    const grown = <T extends Uint8Array | Uint32Array | Float64Array>(a: T, make: new (n: number) => T, width = 1): T => {
      const b = new make(this.capacity * width);
      b.set(a);
      return b;
    };
    this.kinds = grown(this.kinds, Uint8Array);
    this.sizes = grown(this.sizes, Float64Array);
    this.modes = grown(this.modes, Uint32Array);
    this.uids = grown(this.uids, Uint32Array);
    this.gids = grown(this.gids, Uint32Array);
    this.mtimes = grown(this.mtimes, Float64Array);
    this.hashes = grown(this.hashes, Uint8Array, HASH_BYTES);
  }
}

function clampId(id: number): number {
  return Number.isFinite(id) && id >= 0 ? Math.min(id, 0xffffffff) : 0xffffffff;
}

export function kindOf(index: LayerIndex, i: number): EntryKind {
  return ENTRY_KINDS[index.kinds[i]];
}

/** The content hash of entry i as hex ('' for entries that are not files). */
export function hashHex(index: LayerIndex, i: number): string {
  if (index.kinds[i] !== KIND.file) return '';
  let hex = '';
  for (let b = i * HASH_BYTES; b < (i + 1) * HASH_BYTES; b++) hex += index.hashes[b].toString(16).padStart(2, '0');
  return hex;
}

/** Entries a and b (of two layers) have the same content. */
export function sameHash(a: LayerIndex, i: number, b: LayerIndex, j: number): boolean {
  const x = i * HASH_BYTES;
  const y = j * HASH_BYTES;
  for (let k = 0; k < HASH_BYTES; k++) if (a.hashes[x + k] !== b.hashes[y + k]) return false;
  return true;
}

// The encoding: magic, version, then sections each padded to 8 bytes so typed arrays can view
// them in place: meta (JSON), count, the numeric columns, hashes, paths and links (UTF-8, NUL
// between entries: tar paths cannot hold a NUL).
const MAGIC = 0x58494c53; // "SLIX", little-endian
/** Bumped whenever the encoding or what is indexed changes: cached indexes of another version are ignored. */
export const INDEX_VERSION = 1;

export function encodeLayerIndex(index: LayerIndex): Uint8Array {
  const encoder = new TextEncoder();
  const meta = encoder.encode(JSON.stringify(index.meta));
  const paths = encoder.encode(index.paths.join('\0'));
  const links = encoder.encode(index.links.join('\0'));
  const n = index.count;
  const sections: (readonly [ArrayBufferView, number])[] = [
    [meta, meta.length],
    [index.sizes, n * 8],
    [index.mtimes, n * 8],
    [index.modes, n * 4],
    [index.uids, n * 4],
    [index.gids, n * 4],
    [index.kinds, n],
    [index.hashes, n * HASH_BYTES],
    [paths, paths.length],
    [links, links.length],
  ];
  const head = 8 + 4 * sections.length + 4;
  let total = align(head);
  for (const [, bytes] of sections) total = align(total + bytes);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, INDEX_VERSION, true);
  view.setUint32(8, n, true);
  let at = align(head);
  sections.forEach(([data, bytes], s) => {
    view.setUint32(12 + 4 * s, bytes, true);
    out.set(new Uint8Array(data.buffer, data.byteOffset, bytes), at);
    at = align(at + bytes);
  });
  return out;
}

/** Only the meta section of an encoded index (cheap); throws when the bytes are not an index of this version. */
export function readLayerMeta(bytes: Uint8Array): LayerMeta {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 64 || view.getUint32(0, true) !== MAGIC) throw new Error('not a layer index');
  if (view.getUint32(4, true) !== INDEX_VERSION) throw new Error(`layer index version ${view.getUint32(4, true)}, expected ${INDEX_VERSION}`);
  const length = view.getUint32(12, true);
  const at = align(8 + 4 * 10 + 4);
  if (at + length > bytes.byteLength) throw new Error('truncated layer index');
  return JSON.parse(new TextDecoder().decode(bytes.subarray(at, at + length))) as LayerMeta;
}

/** Throws when the bytes are not an index of this version. */
export function decodeLayerIndex(input: Uint8Array): LayerIndex {
  // Typed-array views need aligned offsets: copy the (rare) unaligned input once.
  const bytes = input.byteOffset % 8 === 0 ? input : new Uint8Array(input);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12 || view.getUint32(0, true) !== MAGIC) throw new Error('not a layer index');
  if (view.getUint32(4, true) !== INDEX_VERSION) throw new Error(`layer index version ${view.getUint32(4, true)}, expected ${INDEX_VERSION}`);
  const n = view.getUint32(8, true);
  const sectionCount = 10;
  let at = align(8 + 4 * sectionCount + 4);
  const sections: [number, number][] = [];
  for (let s = 0; s < sectionCount; s++) {
    const length = view.getUint32(12 + 4 * s, true);
    if (at + length > bytes.byteLength) throw new Error('truncated layer index');
    sections.push([bytes.byteOffset + at, length]);
    at = align(at + length);
  }
  const buffer = bytes.buffer;
  const decoder = new TextDecoder();
  const text = ([offset, length]: [number, number]) => decoder.decode(new Uint8Array(buffer, offset, length));
  const list = (section: [number, number]) => (n === 0 ? [] : text(section).split('\0'));
  const paths = list(sections[8]);
  const links = list(sections[9]);
  if (paths.length !== n || links.length !== n) throw new Error('corrupt layer index');
  return {
    meta: JSON.parse(text(sections[0])) as LayerMeta,
    count: n,
    sizes: new Float64Array(buffer, sections[1][0], n),
    mtimes: new Float64Array(buffer, sections[2][0], n),
    modes: new Uint32Array(buffer, sections[3][0], n),
    uids: new Uint32Array(buffer, sections[4][0], n),
    gids: new Uint32Array(buffer, sections[5][0], n),
    kinds: new Uint8Array(buffer, sections[6][0], n),
    hashes: new Uint8Array(buffer, sections[7][0], n * HASH_BYTES),
    paths,
    links,
  };
}

function align(n: number): number {
  return Math.ceil(n / 8) * 8;
}
