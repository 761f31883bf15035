/**
 * The 512-byte tar header: checksum, numeric fields (octal or GNU base-256), names, PAX records.
 * Shared by the pull reader (tarReader.ts) and the push parser (tarParser.ts).
 */

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'character' | 'block' | 'fifo' | 'other';

/** What a header (with the long-name and PAX records before it) says about one entry. */
export interface TarHeader {
  /** Normalised: no leading `./` or `/`, no trailing `/`, no NUL. */
  readonly path: string;
  readonly type: TarEntryType;
  /** Bytes of content (0 for directories). */
  readonly size: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Milliseconds since the epoch. */
  readonly mtime: number;
  /** Target of a symlink or hardlink. */
  readonly linkName: string;
}

/** GNU long name/link (`L`, `K`) and PAX (`x`, `g`) records: they describe the entries after them. */
export type ExtensionFlag = 'L' | 'K' | 'x' | 'g';

const TYPES: Record<string, TarEntryType> = { '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '3': 'character', '4': 'block', '5': 'directory', '6': 'fifo' };

export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
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

/** Octal, NUL- or space-terminated; or GNU base-256 when the high bit is set. */
function parseNumber(header: Uint8Array, start: number, end: number, what: string, at: number): number {
  if (header[start] & 0x80) {
    let value = 0;
    for (let i = start + 1; i < end; i++) value = value * 256 + header[i];
    return value;
  }
  const value = octal(header, start, end);
  if (value < 0) throw new Error(`corrupt tar header at byte ${at}: ${what} is not a number`);
  return value;
}

/** A NUL-terminated UTF-8 field of `start..end`. */
function cString(data: Buffer, start = 0, end = data.length): string {
  let stop = start;
  while (stop < end && data[stop] !== 0) stop++;
  return stop === start ? '' : data.toString('utf8', start, stop);
}

/** PAX records: "<length> <key>=<value>\n", the length counting the whole record. */
function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space < 0) break;
    const length = Number(data.subarray(i, space).toString('latin1'));
    if (!length) break;
    const record = data.subarray(space + 1, i + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += length;
  }
  return out;
}

/** Paths as tar names them, without `./` or `/` in front, `/` behind, or anything after a NUL. */
function normalisePath(name: string): string {
  const nul = name.indexOf('\0');
  return (nul < 0 ? name : name.slice(0, nul)).replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}

/** The record type when this header introduces an extension record, else undefined. */
export function extensionFlag(header: Buffer): ExtensionFlag | undefined {
  const flag = String.fromCharCode(header[156]);
  return flag === 'L' || flag === 'K' || flag === 'x' || flag === 'g' ? flag : undefined;
}

/** The size field of a header, before any PAX record overrides it. */
export function headerSize(header: Buffer, at: number): number {
  return parseNumber(header, 124, 136, 'size', at);
}

const NO_ATTRS: Readonly<Record<string, string>> = Object.freeze({});

/** Accumulates the extension records that apply to the next entry (and the global PAX ones). */
export class TarExtensions {
  private longName: string | undefined;
  private longLink: string | undefined;
  private pax: Record<string, string> = {};
  private globalPax: Record<string, string> = {};
  /** Whether any PAX record applies to the next entry (most entries of most layers have none). */
  private paxSeen = false;

  add(flag: ExtensionFlag, data: Buffer): void {
    if (flag === 'x' || flag === 'g') this.paxSeen = true;
    if (flag === 'L') this.longName = cString(data);
    else if (flag === 'K') this.longLink = cString(data);
    else if (flag === 'x') this.pax = { ...this.pax, ...parsePax(data) };
    else this.globalPax = { ...this.globalPax, ...parsePax(data) };
  }

  /**
   * The entry this header describes, with the extensions before it applied (then forgotten), and
   * how many bytes of data follow the header (a directory's, if any, too).
   */
  entry(header: Buffer, at: number): { entry: TarHeader; dataSize: number } {
    const flag = String.fromCharCode(header[156]);
    const attrs = this.paxSeen ? { ...this.globalPax, ...this.pax } : NO_ATTRS;
    // "ustar" at 257: the prefix field (345..500) holds the front of long names.
    const ustar = header[257] === 0x75 && header[258] === 0x73 && header[259] === 0x74 && header[260] === 0x61 && header[261] === 0x72;
    const prefix = ustar ? cString(header, 345, 500) : '';
    const name = attrs.path ?? this.longName ?? (prefix ? `${prefix}/${cString(header, 0, 100)}` : cString(header, 0, 100));
    const size = attrs.size !== undefined ? Number(attrs.size) : headerSize(header, at);
    const linkName = attrs.linkpath ?? this.longLink ?? cString(header, 157, 257);
    this.longName = this.longLink = undefined;
    this.pax = {};
    this.paxSeen = Object.keys(this.globalPax).length > 0;
    const entry: TarHeader = {
      path: normalisePath(name),
      type: TYPES[flag] ?? 'other',
      size: flag === '5' ? 0 : size,
      mode: parseNumber(header, 100, 108, 'mode', at),
      uid: attrs.uid !== undefined ? Number(attrs.uid) : parseNumber(header, 108, 116, 'uid', at),
      gid: attrs.gid !== undefined ? Number(attrs.gid) : parseNumber(header, 116, 124, 'gid', at),
      mtime: Math.round((attrs.mtime !== undefined ? Number(attrs.mtime) : parseNumber(header, 136, 148, 'mtime', at)) * 1000),
      linkName: linkName.includes('\0') ? linkName.slice(0, linkName.indexOf('\0')) : linkName,
    };
    return { entry, dataSize: size };
  }
}

/** Tar pads every record to a multiple of 512 bytes. */
export function padded(size: number): number {
  return Math.ceil(size / 512) * 512;
}
