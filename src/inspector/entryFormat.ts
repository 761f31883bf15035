import type { EntryKind } from '../core/layers/layerIndex';

/** How the inspector words an entry's attributes: `ls -l` style modes, docker-style sizes. */

const TYPE_LETTER: Record<EntryKind, string> = {
  file: '-', directory: 'd', symlink: 'l', hardlink: 'h', character: 'c', block: 'b', fifo: 'p', other: '?', whiteout: '-', opaque: 'd',
};

/** `drwxr-xr-x`, with setuid, setgid and sticky bits as `ls` shows them. */
export function modeString(kind: EntryKind, mode: number): string {
  const bits = ['r', 'w', 'x', 'r', 'w', 'x', 'r', 'w', 'x'].map((c, i) => (mode & (0o400 >> i) ? c : '-'));
  const special = (at: number, flag: number, set: string, unset: string) => {
    if (mode & flag) bits[at] = bits[at] === 'x' ? set : unset;
  };
  special(2, 0o4000, 's', 'S');
  special(5, 0o2000, 's', 'S');
  special(8, 0o1000, 't', 'T');
  return TYPE_LETTER[kind] + bits.join('');
}

/** Decimal units with three significant digits, as `docker images` shows sizes: "1.24 MB". */
export function sizeString(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let size = Math.max(0, bytes);
  let unit = 0;
  while (size >= 1000 && unit < units.length - 1) {
    size /= 1000;
    unit++;
  }
  return `${unit ? Number(size.toPrecision(3)) : size} ${units[unit]}`;
}

/** Two decimals; a ratio just short of 1 reads "> 99.99 %", never a rounded-up "100 %". */
export function percentString(ratio: number): string {
  const text = (ratio * 100).toFixed(2);
  return text === '100.00' && ratio < 1 ? '> 99.99 %' : `${text} %`;
}

/** The short form of a digest: its first 12 hex digits. */
export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
