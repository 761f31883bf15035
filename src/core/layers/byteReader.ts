/**
 * Pulls exact byte counts out of a stream of chunks, copying only when a read spans chunks.
 * `body(n)` hands the next n bytes on as chunks without gathering them.
 */
export class ByteReader {
  private readonly source: AsyncIterator<Buffer>;
  private chunk: Buffer = Buffer.alloc(0);
  private offset = 0;
  private done = false;
  /** Bytes consumed so far. */
  position = 0;

  constructor(chunks: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>) {
    const sync = Symbol.asyncIterator in chunks ? undefined : chunks[Symbol.iterator]();
    const iterator: AsyncIterator<Buffer | Uint8Array> = sync ? { next: () => Promise.resolve(sync.next()) } : (chunks as AsyncIterable<Buffer | Uint8Array>)[Symbol.asyncIterator]();
    this.source = {
      next: async () => {
        const r = await iterator.next();
        return r.done ? r : { done: false, value: Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength) };
      },
      return: async () => {
        await iterator.return?.();
        return { done: true, value: undefined };
      },
    };
  }

  /** Exactly n bytes, or undefined at the end of the stream; a short read at the end throws. */
  async read(n: number): Promise<Buffer | undefined> {
    if (this.available() >= n) return this.take(n);
    const parts: Buffer[] = [];
    let missing = n;
    while (missing > 0) {
      if (this.available() === 0 && !(await this.fill())) {
        if (missing === n) return undefined;
        throw new Error(`the stream ended ${missing} bytes early`);
      }
      const part = this.take(Math.min(missing, this.available()));
      parts.push(part);
      missing -= part.length;
    }
    return Buffer.concat(parts, n);
  }

  /** The next n bytes as they come, chunk by chunk. */
  async *body(n: number): AsyncGenerator<Buffer> {
    let missing = n;
    while (missing > 0) {
      if (this.available() === 0 && !(await this.fill())) throw new Error(`the stream ended ${missing} bytes early`);
      const part = this.take(Math.min(missing, this.available()));
      missing -= part.length;
      yield part;
    }
  }

  async skip(n: number): Promise<void> {
    let missing = n;
    while (missing > 0) {
      if (this.available() === 0 && !(await this.fill())) throw new Error(`the stream ended ${missing} bytes early`);
      const step = Math.min(missing, this.available());
      this.offset += step;
      this.position += step;
      missing -= step;
    }
  }

  /** Stops reading the source (closing it). */
  async close(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.source.return?.();
    }
  }

  private available(): number {
    return this.chunk.length - this.offset;
  }

  private take(n: number): Buffer {
    const part = this.chunk.subarray(this.offset, this.offset + n);
    this.offset += n;
    this.position += n;
    return part;
  }

  private async fill(): Promise<boolean> {
    while (!this.done) {
      const r = await this.source.next();
      if (r.done) {
        this.done = true;
        return false;
      }
      if (r.value.length) {
        this.chunk = r.value;
        this.offset = 0;
        return true;
      }
    }
    return false;
  }
}
