import type { LogChunk } from '../engine';

/**
 * Splits the Docker Engine API's multiplexed log/attach stream (8-byte frame headers: stream type,
 * three zero bytes, big-endian length) into stdout and stderr chunks. A container with a TTY sends
 * raw bytes instead: pass `tty` and everything is stdout.
 */
export async function* demuxLogStream(chunks: AsyncIterable<Buffer>, tty: boolean): AsyncGenerator<LogChunk> {
  if (tty) {
    for await (const chunk of chunks) yield { stream: 'stdout', text: chunk.toString('utf8') };
    return;
  }
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      const text = pending.subarray(8, 8 + size).toString('utf8');
      yield { stream: pending[0] === 2 ? 'stderr' : 'stdout', text };
      pending = pending.subarray(8 + size);
    }
  }
}
