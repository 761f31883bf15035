import { ByteReader } from './byteReader';
import { extensionFlag, extensionSize, isZeroBlock, padded, TarExtensions, verifyChecksum, type TarHeader } from './tarHeader';

export type { TarEntryType } from './tarHeader';

export interface TarEntry extends TarHeader {
  /**
   * The entry's content. Read it (or not) before asking for the next entry: what is left unread is
   * skipped, never held in memory.
   */
  readonly body: AsyncIterable<Buffer>;
}

/**
 * Reads a tar stream (ustar, GNU long names and PAX headers, base-256 sizes) entry by entry, in
 * constant memory whatever the entry sizes. Throws an Error saying what is wrong with a corrupt
 * archive (bad checksum, truncation) instead of returning half an entry.
 */
export async function* readTar(chunks: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(chunks);
  const extensions = new TarExtensions();
  try {
    for (;;) {
      const header = await reader.read(512);
      if (!header || isZeroBlock(header)) return;
      const at = reader.position - 512;
      verifyChecksum(header, at);
      const flag = extensionFlag(header);
      if (flag) {
        const dataSize = extensionSize(header, at);
        const data = await reader.read(padded(dataSize));
        if (!data && dataSize) throw new Error(`the stream ended ${padded(dataSize)} bytes early`);
        extensions.add(flag, (data ?? Buffer.alloc(0)).subarray(0, dataSize), at);
        continue;
      }
      const { entry: fields, dataSize } = extensions.entry(header, at);
      const entry: TarEntry = {
        ...fields,
        body: (async function* () {
          yield* reader.body(dataSize);
        })(),
      };
      const bodyStart = reader.position;
      yield entry;
      // Whatever the consumer left unread of this entry, and the padding, is skipped.
      await reader.skip(padded(dataSize) - (reader.position - bodyStart));
    }
  } finally {
    await reader.close();
  }
}
