import fs from 'node:fs/promises';
import type { TarEntryType } from './tarHeader';
import { extensionFlag, extensionSize, isZeroBlock, padded, TarExtensions, verifyChecksum } from './tarHeader';
import type { FileRange } from './imageSource';

/**
 * The entries of an image archive (`docker save`, OCI layout), by name: small ones (manifests,
 * configs) read whole, layers located as file ranges. Names are only ever keys here: nothing
 * from the archive becomes a path on this machine.
 */
export interface ArchiveContents {
  has(name: string): boolean;
  /** A small entry's bytes; throws when it is missing or larger than `max`. */
  read(name: string, max?: number): Promise<Buffer>;
  /** Where an entry's bytes lie on disk; undefined when it is missing. */
  range(name: string): FileRange | undefined;
}

/** Manifests and configs are kilobytes; refusing more keeps a hostile archive from filling memory. */
export const MAX_DOCUMENT = 16 << 20;

interface Located {
  readonly type: TarEntryType;
  readonly linkName: string;
  readonly range: FileRange;
}

/** Tar names as keys: no `./` or leading `/`, `..` and `.` resolved the way a path would be. */
export function entryKey(name: string): string {
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (!part || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/');
}

/** Shared lookup: follows symlinks (relative to the link's directory) and hardlinks (archive names). */
export abstract class LocatedArchive implements ArchiveContents {
  protected readonly entries = new Map<string, Located>();

  has(name: string): boolean {
    return this.resolve(name) !== undefined;
  }

  range(name: string): FileRange | undefined {
    return this.resolve(name)?.range;
  }

  async read(name: string, max = MAX_DOCUMENT): Promise<Buffer> {
    const found = this.resolve(name);
    if (!found) throw new Error(`the archive has no ${name}`);
    if (found.range.length > max) throw new Error(`${name} in the archive is ${found.range.length} bytes, more than any real one`);
    const handle = await fs.open(found.range.path, 'r');
    try {
      const data = Buffer.alloc(found.range.length);
      const { bytesRead } = await handle.read(data, 0, data.length, found.range.offset);
      if (bytesRead !== data.length) throw new Error(`the archive is truncated: ${name} is cut short`);
      return data;
    } finally {
      await handle.close();
    }
  }

  private resolve(name: string): Located | undefined {
    let key = entryKey(name);
    for (let hops = 0; hops < 16; hops++) {
      const entry = this.entries.get(key);
      if (!entry) return undefined;
      if (entry.type === 'symlink') key = entryKey(`${key.slice(0, key.lastIndexOf('/') + 1)}${entry.linkName}`);
      else if (entry.type === 'hardlink') key = entryKey(entry.linkName);
      else return entry;
    }
    return undefined;
  }
}

/**
 * An uncompressed archive file, scanned header by header without reading the entries' contents:
 * a 1 GB archive of eight layers is a dozen small reads.
 */
export class SeekableArchive extends LocatedArchive {
  private constructor(readonly path: string) {
    super();
  }

  static async open(path: string): Promise<SeekableArchive> {
    const archive = new SeekableArchive(path);
    await archive.scan();
    return archive;
  }

  private async scan(): Promise<void> {
    const handle = await fs.open(this.path, 'r');
    try {
      const { size: fileSize } = await handle.stat();
      const extensions = new TarExtensions();
      const header = Buffer.alloc(512);
      let at = 0;
      for (;;) {
        const { bytesRead } = await handle.read(header, 0, 512, at);
        if (bytesRead === 0) return;
        if (bytesRead < 512) throw new Error(`the archive is truncated: it ends inside a header at byte ${at}`);
        if (isZeroBlock(header)) return;
        verifyChecksum(header, at);
        const flag = extensionFlag(header);
        const dataAt = at + 512;
        if (flag) {
          const size = extensionSize(header, at);
          const data = Buffer.alloc(size);
          const { bytesRead: dataRead } = await handle.read(data, 0, size, dataAt);
          if (dataRead < size) throw new Error(`the archive is truncated: it ends inside an extended header at byte ${at}`);
          extensions.add(flag, data, at);
          at = dataAt + padded(size);
          continue;
        }
        const { entry, dataSize } = extensions.entry(header, at);
        if (dataAt + dataSize > fileSize) throw new Error(`the archive is truncated: ${entry.path || 'an entry'} ends past the end of the file`);
        this.entries.set(entryKey(entry.path), { type: entry.type, linkName: entry.linkName, range: { path: this.path, offset: dataAt, length: dataSize } });
        at = dataAt + padded(dataSize);
      }
    } finally {
      await handle.close();
    }
  }
}
