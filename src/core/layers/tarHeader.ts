/**
 * The 512-byte tar header: checksum, numeric fields (octal or GNU base-256), names, PAX records.
 * Shared by the pull reader (tarReader.ts) and the push parser (tarParser.ts).
 */

import { isUtf8 } from 'node:buffer';

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'character' | 'block' | 'fifo' | 'other';

/** What a header (with the long-name and PAX records before it) says about one entry. */
export interface TarHeader {
  /** Normalised: no leading `./` or `/`, no trailing `/`, no NUL; decoded as UTF-8 (for display and keys). */
  readonly path: string;
  /** The path's exact bytes, only when they are not valid UTF-8 (`path` then has U+FFFD where they differ). */
  readonly pathBytes?: Buffer;
  readonly type: TarEntryType;
  /** Bytes of content (0 for directories). */
  readonly size: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Milliseconds since the epoch, clamped to what a Date can hold. */
  readonly mtime: number;
  /** Target of a symlink or hardlink. */
  readonly linkName: string;
  /** The target's exact bytes, only when they are not valid UTF-8. */
  readonly linkBytes?: Buffer;
}

/** GNU long name/link (`L`, `K`) and PAX (`x`, `g`) records: they describe the entries after them. */
export type ExtensionFlag = 'L' | 'K' | 'x' | 'g';

/** GNU long names and PAX records larger than this are refused rather than held (Go's archive/tar cap). */
export const MAX_EXTENSION = 1 << 20;

/** Linux ids are 32 bits, and (uid_t)-1 means "unchanged" to chown. */
const MAX_ID = 0xfffffffe;
/** What the 8-byte octal mode field can hold. */
const MAX_MODE = 0o7777777;
/** The range of a Date, in milliseconds. */
const MAX_TIME_MS = 8.64e15;

const TYPES: Record<string, TarEntryType> = { '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '3': 'character', '4': 'block', '5': 'directory', '6': 'fifo' };

export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

function corrupt(at: number, why: string): Error {
  return new Error(`corrupt tar header at byte ${at}: ${why}`);
}

export function verifyChecksum(header: Buffer, at: number): void {
  // The checksum counts its own field as eight spaces.
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += header[i];
  for (let i = 156; i < 512; i++) sum += header[i];
  if (octal(header, 148, 156) !== sum) throw new Error(`not a tar archive, or a corrupt one: bad header checksum at byte ${at}`);
}

/** An octal field (leading spaces or NULs, then digits, then a space or NUL); -1 when malformed. */
function octal(field: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && (field[i] === 0x20 || field[i] === 0)) i++;
  if (i === end) return 0;
  let value = 0;
  for (; i < end; i++) {
    const c = field[i];
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) return -1;
    value = value * 8 + (c - 0x30);
  }
  for (; i < end; i++) if (field[i] !== 0x20 && field[i] !== 0) return -1;
  return value;
}

/**
 * Octal, NUL- or space-terminated; or GNU base-256 (two's complement) when the high bit is set.
 * Refuses what is not a number; one that does not fit in a safe integer is refused, or with
 * `saturate` (a time, clamped later) taken as the largest one of its sign.
 */
function parseNumber(header: Uint8Array, start: number, end: number, what: string, at: number, saturate = false): number {
  if (header[start] & 0x80) {
    // As Go's archive/tar: the 0x40 bit of the first byte is the sign, the rest two's complement.
    const invert = header[start] & 0x40 ? 0xff : 0;
    let value = 0;
    for (let i = start; i < end; i++) {
      let c = header[i] ^ invert;
      if (i === start) c &= 0x7f;
      value = value * 256 + c;
      if (value > Number.MAX_SAFE_INTEGER) {
        if (saturate) return invert ? -Number.MAX_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
        throw corrupt(at, `${what} is too large`);
      }
    }
    return invert ? -value - 1 : value;
  }
  const value = octal(header, start, end);
  if (value < 0) throw corrupt(at, `${what} is not a number`);
  return value;
}

/** A decimal PAX number: digits only (and a sign and fraction where `real`), else refused. */
function paxNumber(value: Buffer, what: string, at: number, real = false): number {
  const text = value.toString('latin1');
  if (!(real ? /^-?\d+(\.\d*)?$/ : /^\d+$/).test(text)) throw corrupt(at, `PAX ${what} is not a number`);
  const n = Number(text);
  if (!real && n > Number.MAX_SAFE_INTEGER) throw corrupt(at, `PAX ${what} is too large`);
  return n;
}

/** An id (uid, gid), refused outside what Linux can hold. */
function checkedId(value: number, what: string, at: number): number {
  if (value < 0 || value > MAX_ID) throw corrupt(at, `${what} ${value} is out of range`);
  return value;
}

/** The bytes of a NUL-terminated field of `start..end`. */
function cBytes(data: Buffer, start = 0, end = data.length): Buffer {
  const nul = data.indexOf(0, start);
  return data.subarray(start, nul < 0 || nul > end ? end : nul);
}

/** The PAX keys this reader uses; others are not held. */
const PAX_KEYS = new Set(['path', 'linkpath', 'size', 'uid', 'gid', 'mtime']);

/**
 * PAX records: "<length> <key>=<value>\n", the length counting the whole record, into `out`.
 * A malformed record (a length that is not a number, or that points outside the data) is refused.
 */
function parsePax(data: Buffer, out: Map<string, Buffer>, at: number): void {
  let i = 0;
  while (i < data.length && data[i] !== 0) {
    let space = i;
    let length = 0;
    while (space < data.length && data[space] >= 0x30 && data[space] <= 0x39 && space - i < 8) length = length * 10 + data[space++] - 0x30;
    if (space === i || data[space] !== 0x20 || length <= space - i + 1 || i + length > data.length || data[i + length - 1] !== 0x0a) throw corrupt(at, `malformed PAX record at offset ${i}`);
    const eq = data.indexOf(0x3d, space + 1);
    if (eq <= space + 1 || eq >= i + length) throw corrupt(at, `malformed PAX record at offset ${i}`);
    const key = data.toString('latin1', space + 1, eq);
    // Copied: the data may be a slice of a buffer that is about to be reused.
    // An empty value removes the key (the header's own field applies again).
    if (PAX_KEYS.has(key)) {
      if (eq + 1 === i + length - 1) out.delete(key);
      else out.set(key, Buffer.from(data.subarray(eq + 1, i + length - 1)));
    }
    i += length;
  }
}

/** Paths as tar names them, without `./` or `/` in front, `/` behind, or anything after a NUL. */
function normalisePath(name: Buffer): Buffer {
  const nul = name.indexOf(0);
  let end = nul < 0 ? name.length : nul;
  let start = 0;
  for (;;) {
    if (name[start] === 0x2f) start++;
    else if (name[start] === 0x2e && name[start + 1] === 0x2f && start + 1 < end) start += 2;
    else break;
  }
  while (end > start && name[end - 1] === 0x2f) end--;
  return name.subarray(Math.min(start, end), end);
}

/** A name as text, with its bytes kept (copied) when they are not UTF-8. */
function decoded(bytes: Buffer): { text: string; bytes?: Buffer } {
  const text = bytes.toString('utf8');
  return isUtf8(bytes) ? { text } : { text, bytes: Buffer.from(bytes) };
}

/** The record type when this header introduces an extension record, else undefined. */
export function extensionFlag(header: Buffer): ExtensionFlag | undefined {
  const flag = String.fromCharCode(header[156]);
  return flag === 'L' || flag === 'K' || flag === 'x' || flag === 'g' ? flag : undefined;
}

/** The size field of a header, before any PAX record overrides it. */
function headerSize(header: Buffer, at: number): number {
  const size = parseNumber(header, 124, 136, 'size', at);
  if (size < 0) throw corrupt(at, 'size is negative');
  return size;
}

/** The size of an extension record's data, refused above MAX_EXTENSION. */
export function extensionSize(header: Buffer, at: number): number {
  const size = headerSize(header, at);
  if (size > MAX_EXTENSION) throw corrupt(at, `a ${size}-byte extended header is larger than the ${MAX_EXTENSION} bytes allowed`);
  return size;
}

/**
 * Accumulates the extension records that apply to the next entry (and the global PAX ones). What
 * it holds is bounded: one long name and link, and the few PAX keys it uses, each at most
 * MAX_EXTENSION bytes.
 */
export class TarExtensions {
  private longName: Buffer | undefined;
  private longLink: Buffer | undefined;
  private readonly pax = new Map<string, Buffer>();
  private readonly globalPax = new Map<string, Buffer>();

  add(flag: ExtensionFlag, data: Buffer, at: number): void {
    if (flag === 'L') this.longName = Buffer.from(cBytes(data));
    else if (flag === 'K') this.longLink = Buffer.from(cBytes(data));
    else parsePax(data, flag === 'x' ? this.pax : this.globalPax, at);
  }

  /**
   * The entry this header describes, with the extensions before it applied (then forgotten), and
   * how many bytes of data follow the header (a directory's, if any, too). Throws on a field that
   * is not a number or is out of range.
   */
  entry(header: Buffer, at: number): { entry: TarHeader; dataSize: number } {
    const flag = String.fromCharCode(header[156]);
    const attr = (key: string) => this.pax.get(key) ?? this.globalPax.get(key);
    // "ustar" at 257: the prefix field (345..500) holds the front of long names.
    const ustar = header[257] === 0x75 && header[258] === 0x73 && header[259] === 0x74 && header[260] === 0x61 && header[261] === 0x72;
    const prefix = ustar ? cBytes(header, 345, 500) : undefined;
    const name = attr('path') ?? this.longName ?? (prefix?.length ? Buffer.concat([prefix, Buffer.from('/'), cBytes(header, 0, 100)]) : cBytes(header, 0, 100));
    const link = attr('linkpath') ?? this.longLink ?? cBytes(header, 157, 257);
    const paxSize = attr('size');
    const size = paxSize ? paxNumber(paxSize, 'size', at) : headerSize(header, at);
    const paxUid = attr('uid');
    const paxGid = attr('gid');
    const paxMtime = attr('mtime');
    const mode = parseNumber(header, 100, 108, 'mode', at);
    if (mode < 0 || mode > MAX_MODE) throw corrupt(at, `mode ${mode} is out of range`);
    const seconds = paxMtime ? paxNumber(paxMtime, 'mtime', at, true) : parseNumber(header, 136, 148, 'mtime', at, true);
    this.longName = this.longLink = undefined;
    this.pax.clear();
    const path = decoded(normalisePath(name));
    const linkName = decoded(cBytes(link));
    const entry: TarHeader = {
      path: path.text,
      ...(path.bytes && { pathBytes: path.bytes }),
      type: TYPES[flag] ?? 'other',
      size: flag === '5' ? 0 : size,
      mode,
      uid: checkedId(paxUid ? paxNumber(paxUid, 'uid', at) : parseNumber(header, 108, 116, 'uid', at), 'uid', at),
      gid: checkedId(paxGid ? paxNumber(paxGid, 'gid', at) : parseNumber(header, 116, 124, 'gid', at), 'gid', at),
      mtime: Math.max(-MAX_TIME_MS, Math.min(MAX_TIME_MS, Math.round(seconds * 1000))),
      linkName: linkName.text,
      ...(linkName.bytes && { linkBytes: linkName.bytes }),
    };
    return { entry, dataSize: size };
  }
}

/** Tar pads every record to a multiple of 512 bytes. */
export function padded(size: number): number {
  return Math.ceil(size / 512) * 512;
}
