import { ByteReader } from './byteReader';

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'character' | 'block' | 'fifo' | 'other';

export interface TarEntry {
  /** Normalised: no leading `./` or `/`, no trailing `/`. */
  readonly path: string;
  readonly type: TarEntryType;
  readonly size: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Milliseconds since the epoch. */
  readonly mtime: number;
  /** Target of a symlink or hardlink. */
  readonly linkName: string;
  /**
   * The entry's content. Read it (or not) before asking for the next entry: what is left unread is
   * skipped, never held in memory.
   */
  readonly body: AsyncIterable<Buffer>;
}

const TYPES: Record<string, TarEntryType> = { '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '3': 'character', '4': 'block', '5': 'directory', '6': 'fifo' };

/**
 * Reads a tar stream (ustar, GNU long names and PAX headers, base-256 sizes) entry by entry, in
 * constant memory whatever the entry sizes. Throws an Error saying what is wrong with a corrupt
 * archive (bad checksum, truncation) instead of returning half an entry.
 */
export async function* readTar(chunks: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(chunks);
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  let globalPax: Record<string, string> = {};
  try {
    for (;;) {
      const header = await reader.read(512);
      if (!header || isZero(header)) return;
      const at = reader.position - 512;
      verifyChecksum(header, at);
      const flag = String.fromCharCode(header[156]);
      const size = parseNumber(header.subarray(124, 136), 'size', at);
      const padded = Math.ceil(size / 512) * 512;
      if (flag === 'L' || flag === 'K' || flag === 'x' || flag === 'g') {
        const data = (await reader.read(padded))?.subarray(0, size) ?? Buffer.alloc(0);
        if (flag === 'L') longName = cString(data);
        else if (flag === 'K') longLink = cString(data);
        else if (flag === 'x') pax = { ...pax, ...parsePax(data) };
        else globalPax = { ...globalPax, ...parsePax(data) };
        continue;
      }
      const attrs = { ...globalPax, ...pax };
      const magic = header.subarray(257, 263).toString('latin1');
      const prefix = magic.startsWith('ustar') ? cString(header.subarray(345, 500)) : '';
      const name = attrs.path ?? longName ?? (prefix ? `${prefix}/${cString(header.subarray(0, 100))}` : cString(header.subarray(0, 100)));
      const dataSize = attrs.size !== undefined ? Number(attrs.size) : size;
      const entry: TarEntry = {
        path: normalise(name),
        type: TYPES[flag] ?? 'other',
        size: flag === '5' ? 0 : dataSize,
        mode: parseNumber(header.subarray(100, 108), 'mode', at),
        uid: attrs.uid !== undefined ? Number(attrs.uid) : parseNumber(header.subarray(108, 116), 'uid', at),
        gid: attrs.gid !== undefined ? Number(attrs.gid) : parseNumber(header.subarray(116, 124), 'gid', at),
        mtime: Math.round((attrs.mtime !== undefined ? Number(attrs.mtime) : parseNumber(header.subarray(136, 148), 'mtime', at)) * 1000),
        linkName: attrs.linkpath ?? longLink ?? cString(header.subarray(157, 257)),
        body: (async function* () {
          yield* reader.body(dataSize);
        })(),
      };
      longName = longLink = undefined;
      pax = {};
      const bodyStart = reader.position;
      yield entry;
      // Whatever the consumer left unread of this entry, and the padding, is skipped.
      const dataPadded = Math.ceil(dataSize / 512) * 512;
      await reader.skip(dataPadded - (reader.position - bodyStart));
    }
  } finally {
    await reader.close();
  }
}

function isZero(block: Buffer): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

function verifyChecksum(header: Buffer, at: number): void {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
  const field = header.subarray(148, 156).toString('latin1').replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]+$/.test(field) || parseInt(field, 8) !== sum) throw new Error(`not a tar archive, or a corrupt one: bad header checksum at byte ${at}`);
}

/** Octal, NUL- or space-terminated; or GNU base-256 when the high bit is set. */
function parseNumber(field: Buffer, what: string, at: number): number {
  if (field[0] & 0x80) {
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i];
    return value;
  }
  const text = field.toString('latin1').replace(/[\0 ]+$/, '').replace(/^[\0 ]+/, '');
  if (!text) return 0;
  if (!/^[0-7]+$/.test(text)) throw new Error(`corrupt tar header at byte ${at}: ${what} is not a number`);
  return parseInt(text, 8);
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
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

function normalise(name: string): string {
  return name.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
}
