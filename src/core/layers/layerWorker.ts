/**
 * A worker thread that indexes layers (layerIndexer.ts) for the LayerIndexPool: one job at a
 * time, from a file range it reads itself or from chunks the pool posts; the index goes back as
 * one transferred buffer.
 */
import { parentPort } from 'node:worker_threads';
import { encodeLayerIndex } from './layerIndex';
import type { FileRange } from './imageSource';
import { indexLayer } from './layerIndexer';

export type WorkerRequest =
  | { readonly type: 'file'; readonly job: number; readonly range: FileRange; readonly knownDiffId?: string }
  | { readonly type: 'stream'; readonly job: number; readonly knownDiffId?: string }
  | { readonly type: 'chunk'; readonly job: number; readonly data: Uint8Array }
  | { readonly type: 'end'; readonly job: number };

export type WorkerReply =
  | { readonly type: 'progress'; readonly job: number; readonly storedBytes: number }
  | { readonly type: 'ack'; readonly job: number }
  | { readonly type: 'done'; readonly job: number; readonly index: Uint8Array }
  | { readonly type: 'error'; readonly job: number; readonly message: string };

const port = parentPort;
if (!port) throw new Error('layerWorker.ts runs as a worker thread');
const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

/** Chunks posted by the pool for the current stream job, handed to the indexer as they come. */
class ChunkQueue implements AsyncIterable<Uint8Array> {
  private readonly chunks: Uint8Array[] = [];
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(private readonly job: number) {}

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk) {
        yield chunk;
        reply({ type: 'ack', job: this.job });
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

let queue: ChunkQueue | undefined;

async function run(job: number, source: FileRange | AsyncIterable<Uint8Array>, knownDiffId: string | undefined): Promise<void> {
  try {
    const index = encodeLayerIndex(await indexLayer(source, { knownDiffId, onProgress: (storedBytes) => reply({ type: 'progress', job, storedBytes }) }));
    reply({ type: 'done', job, index }, [index.buffer as ArrayBuffer]);
  } catch (err) {
    reply({ type: 'error', job, message: err instanceof Error ? err.message : String(err) });
  }
}

port.on('message', (message: WorkerRequest) => {
  if (message.type === 'file') void run(message.job, message.range, message.knownDiffId);
  else if (message.type === 'stream') void run(message.job, (queue = new ChunkQueue(message.job)), message.knownDiffId);
  else if (message.type === 'chunk') queue?.push(message.data);
  else queue?.end();
});
