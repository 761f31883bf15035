import { extensionFlag, extensionSize, isZeroBlock, padded, TarExtensions, verifyChecksum, type ExtensionFlag, type TarHeader } from './tarHeader';

/** Receives a tar stream's entries from a TarParser, content as slices of the pushed chunks. */
export interface TarSink {
  entry(header: TarHeader): void;
  /** The next slice of the current entry's content; valid only during the call. */
  data(slice: Buffer): void;
  /** The current entry's content is complete. */
  entryEnd(): void;
}

const HEADER = 0;
const EXTENSION = 1;
const BODY = 2;
const PADDING = 3;
const DONE = 4;

/**
 * A push parser of tar streams (ustar, GNU long names, PAX, base-256 numbers), synchronous and in
 * constant memory: content reaches the sink as slices of the chunks it was given, never copied.
 * The pull reader (tarReader.ts) suits reading a few entries; this one is for indexing hundreds of
 * thousands, where an await per entry costs more than the parsing.
 */
export class TarParser {
  /** Bytes consumed so far. */
  position = 0;
  private state = HEADER;
  private readonly block = Buffer.alloc(512);
  private blockLength = 0;
  private remaining = 0;
  /** Padding after the current entry's content, to the next 512-byte boundary. */
  private paddingAfterBody = 0;
  private extension: { flag: ExtensionFlag; data: Buffer; size: number; filled: number; at: number } | undefined;
  private readonly extensions = new TarExtensions();

  constructor(private readonly sink: TarSink) {}

  /** Parses the next bytes; throws an Error saying what is wrong with a corrupt archive. */
  push(chunk: Buffer): void {
    let offset = 0;
    const length = chunk.length;
    while (offset < length) {
      switch (this.state) {
        case HEADER: {
          let header: Buffer;
          if (this.blockLength === 0 && length - offset >= 512) {
            header = chunk.subarray(offset, offset + 512);
            offset += 512;
          } else {
            const take = Math.min(512 - this.blockLength, length - offset);
            chunk.copy(this.block, this.blockLength, offset, offset + take);
            this.blockLength += take;
            offset += take;
            if (this.blockLength < 512) continue;
            this.blockLength = 0;
            header = this.block;
          }
          this.position += 512;
          this.header(header, this.position - 512);
          break;
        }
        case EXTENSION: {
          const ext = this.extension!;
          const take = Math.min(ext.data.length - ext.filled, length - offset);
          chunk.copy(ext.data, ext.filled, offset, offset + take);
          ext.filled += take;
          offset += take;
          this.position += take;
          if (ext.filled === ext.data.length) {
            this.extensions.add(ext.flag, ext.data.subarray(0, ext.size), ext.at);
            this.extension = undefined;
            this.state = HEADER;
          }
          break;
        }
        case BODY: {
          const take = Math.min(this.remaining, length - offset);
          this.sink.data(chunk.subarray(offset, offset + take));
          offset += take;
          this.position += take;
          this.remaining -= take;
          if (this.remaining === 0) this.finishEntry();
          break;
        }
        case PADDING: {
          const take = Math.min(this.remaining, length - offset);
          offset += take;
          this.position += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = HEADER;
          break;
        }
        default:
          // After the end-of-archive block, the rest is padding to the record size.
          this.position += length - offset;
          return;
      }
    }
  }

  /** The stream has ended: throws when it ended inside an entry. */
  end(): void {
    if (this.state === DONE || (this.state === HEADER && this.blockLength === 0)) return;
    const missing = this.state === HEADER ? 512 - this.blockLength
      : this.state === EXTENSION ? this.extension!.data.length - this.extension!.filled
      : this.remaining + (this.state === BODY ? this.paddingAfterBody : 0);
    throw new Error(`the stream ended ${missing} bytes early`);
  }

  private header(header: Buffer, at: number): void {
    if (isZeroBlock(header)) {
      this.state = DONE;
      return;
    }
    verifyChecksum(header, at);
    const flag = extensionFlag(header);
    if (flag) {
      const size = extensionSize(header, at);
      this.extension = { flag, data: Buffer.alloc(padded(size)), size, filled: 0, at };
      this.state = this.extension.data.length ? EXTENSION : HEADER;
      if (!this.extension.data.length) this.extensions.add(flag, Buffer.alloc(0), at);
      return;
    }
    const { entry, dataSize } = this.extensions.entry(header, at);
    this.sink.entry(entry);
    this.remaining = dataSize;
    this.paddingAfterBody = padded(dataSize) - dataSize;
    if (dataSize === 0) this.finishEntry();
    else this.state = BODY;
  }

  private finishEntry(): void {
    this.sink.entryEnd();
    this.remaining = this.paddingAfterBody;
    this.state = this.remaining ? PADDING : HEADER;
  }
}
