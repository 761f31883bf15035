import type { FileHandle } from 'node:fs/promises';

/**
 * Writes a ustar archive to a file, entry by entry, in constant memory. Only for names the store
 * makes itself (`blobs/sha256/<hex>`, `index.json`), so every name fits the 100-byte field.
 */
export class TarWriter {
  private position = 0;

  constructor(private readonly out: FileHandle, private readonly mtime = Math.floor(Date.now() / 1000)) {}

  async directory(name: string): Promise<void> {
    await this.write(header(name.endsWith('/') ? name : `${name}/`, '5', 0, 0o755, this.mtime));
  }

  /** A regular file of exactly `size` bytes from `content`; throws when it gives another count. */
  async file(name: string, size: number, content: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    await this.write(header(name, '0', size, 0o644, this.mtime));
    let written = 0;
    for await (const chunk of content instanceof Uint8Array ? [content] : content) {
      written += chunk.length;
      if (written > size) break;
      await this.write(chunk);
    }
    if (written !== size) throw new Error(`${name} changed while it was archived: ${written} bytes instead of ${size}`);
    const rest = size % 512;
    if (rest) await this.write(Buffer.alloc(512 - rest));
  }

  /** The two zero blocks that end an archive. */
  async finish(): Promise<void> {
    await this.write(Buffer.alloc(1024));
  }

  private async write(data: Uint8Array): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.out.write(data, done, data.length - done, this.position);
      done += bytesWritten;
      this.position += bytesWritten;
    }
  }
}

function header(name: string, flag: string, size: number, mode: number, mtime: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long for ustar: ${name}`);
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1');
  h.write(octal(0, 8), 116, 'latin1');
  if (size < 8 ** 11) h.write(octal(size, 12), 124, 'latin1');
  else writeBase256(h, 124, 12, size);
  h.write(octal(mtime, 12), 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write(flag, 156, 'latin1');
  h.write('ustar\u000000', 257, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

/** GNU base-256 for sizes of 8 GiB and more: the high bit of the first byte set, big-endian after. */
function writeBase256(h: Buffer, at: number, width: number, value: number): void {
  let v = BigInt(value);
  for (let i = at + width - 1; i > at; i--) {
    h[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  h[at] = 0x80;
}
