import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { Decompress } from 'fzstd';
import { detectCompression } from '../layers/layerIndexer';

/** A layer's tar bytes, whatever its compression (gzip, zstd or none, detected from the bytes). */
export async function* layerTarChunks(layer: NodeJS.ReadableStream | AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const source = (layer as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headLength = 0;
  let ended = false;
  while (headLength < 512) {
    const next = await source.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = Buffer.from(next.value);
    head.push(chunk);
    headLength += chunk.length;
  }
  const first = Buffer.concat(head);
  const rest = async function* () {
    yield first;
    if (ended) return;
    for (;;) {
      const next = await source.next();
      if (next.done) return;
      yield Buffer.from(next.value);
    }
  };
  const kind = detectCompression(first);
  if (kind === 'bzip2' || kind === 'xz') throw new Error(`the layer is ${kind}-compressed; layers are gzip, zstd or plain tar`);
  if (kind === 'unknown') throw new Error(`the layer is not a tar archive (${first.length} bytes)`);
  if (kind === 'none') {
    yield* rest();
  } else if (kind === 'gzip') {
    const gunzip = zlib.createGunzip({ chunkSize: 256 * 1024 });
    Readable.from(rest()).on('error', (err) => gunzip.destroy(err)).pipe(gunzip);
    for await (const chunk of gunzip) yield chunk as Buffer;
  } else {
    const out: Buffer[] = [];
    const zstd = new Decompress((data) => out.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength)));
    for await (const chunk of rest()) {
      zstd.push(chunk);
      yield* out.splice(0);
    }
    zstd.push(new Uint8Array(0), true);
    yield* out.splice(0);
  }
}
