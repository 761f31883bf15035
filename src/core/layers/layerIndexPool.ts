import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FileRange } from './imageSource';
import type { WorkerReply, WorkerRequest } from './layerWorker';

export interface IndexJobOptions {
  readonly onProgress?: (storedBytes: number) => void;
  /** The layer's diffID when its source computed it from the same bytes (see IndexOptions). */
  readonly knownDiffId?: string;
  /** Aborting ends the job (and its worker) and rejects with an AbortError. */
  readonly signal?: AbortSignal;
}

/** Chunks of a streamed layer posted to a worker and not yet consumed: bounds the memory a stream takes. */
const STREAM_WINDOW = 8;

/**
 * The bundles put layerWorker.js beside this code (dist/). Run from the TypeScript sources (the
 * tests, under tsx), the worker loads layerWorker.ts through tsx's require hook instead.
 */
function startWorker(file: string | undefined): Worker {
  if (file) return new Worker(file);
  const bundled = path.join(__dirname, 'layerWorker.js');
  if (fs.existsSync(bundled)) return new Worker(bundled);
  const source = path.join(__dirname, 'layerWorker.ts');
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true });
}

interface Job {
  readonly id: number;
  readonly source: FileRange | AsyncIterable<Uint8Array>;
  readonly options: IndexJobOptions;
  readonly resolve: (index: Uint8Array) => void;
  readonly reject: (err: Error) => void;
  /** Stops listening for the abort once the job is settled. */
  cleanup?: () => void;
}

interface Slot {
  readonly worker: Worker;
  job: Job | undefined;
  /** For a streamed job: called when the worker acknowledges a chunk. */
  onAck?: () => void;
  failed?: boolean;
}

/**
 * Indexes layers on worker threads, as many at once as there are cores (at most 4): one core
 * merely inflating gzip is slower than the target, so layers are read in parallel. Workers start
 * on the first job and stay until dispose().
 */
export class LayerIndexPool {
  private readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private disposed = false;

  private readonly workerFile: string | undefined;

  constructor(options: { size?: number; workerFile?: string } = {}) {
    this.size = Math.max(1, options.size ?? Math.min(os.availableParallelism(), 4));
    this.workerFile = options.workerFile;
  }

  /** The layer's encoded index (layerIndex.ts), or an Error saying what is wrong with the layer. */
  index(source: FileRange | AsyncIterable<Uint8Array>, options: IndexJobOptions = {}): Promise<Uint8Array> {
    if (this.disposed) return Promise.reject(new Error('the layer index pool is disposed'));
    if (options.signal?.aborted) return Promise.reject(abortError());
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, source, options, resolve, reject });
      this.dispatch();
    });
  }

  /** Starts the workers ahead of the jobs (a worker takes tens of milliseconds to start). */
  warm(): void {
    if (this.disposed) return;
    while (this.slots.length < this.size) this.spawn().worker.unref();
  }

  dispose(): void {
    this.disposed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the layer index pool was disposed'));
    for (const slot of [...this.slots]) this.fail(slot, new Error('the layer index pool was disposed'));
  }

  private dispatch(): void {
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.job && !s.failed);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift()!;
      this.start(slot, job);
    }
  }

  private spawn(): Slot {
    const worker = startWorker(this.workerFile);
    const slot: Slot = { worker, job: undefined };
    worker.on('message', (reply: WorkerReply) => this.onReply(slot, reply));
    worker.on('error', (err) => this.fail(slot, new Error(`the layer indexer stopped: ${err.message}`)));
    worker.on('exit', (code) => {
      if (!slot.failed && !this.disposed) this.fail(slot, new Error(`the layer indexer stopped (exit code ${code})`));
    });
    this.slots.push(slot);
    return slot;
  }

  private start(slot: Slot, job: Job): void {
    slot.job = job;
    // A busy worker keeps the process alive (the CLI awaits it); an idle one does not.
    slot.worker.ref();
    const { signal } = job.options;
    if (signal) {
      // The worker may be in the middle of a synchronous read loop: end it; a fresh one starts later.
      const onAbort = () => slot.job === job && this.fail(slot, abortError());
      signal.addEventListener('abort', onAbort, { once: true });
      job.cleanup = () => signal.removeEventListener('abort', onAbort);
    }
    if (!(Symbol.asyncIterator in job.source)) {
      this.post(slot, { type: 'file', job: job.id, range: job.source, knownDiffId: job.options.knownDiffId });
      return;
    }
    this.post(slot, { type: 'stream', job: job.id, knownDiffId: job.options.knownDiffId });
    void this.feed(slot, job, job.source);
  }

  /** Posts a streamed layer's chunks, at most STREAM_WINDOW ahead of what the worker has consumed. */
  private async feed(slot: Slot, job: Job, source: AsyncIterable<Uint8Array>): Promise<void> {
    let inFlight = 0;
    let wake: (() => void) | undefined;
    slot.onAck = () => {
      inFlight--;
      wake?.();
    };
    try {
      for await (const chunk of source) {
        if (slot.job !== job) return; // failed, aborted or finished early (corrupt layer)
        // A copy the worker owns: the chunk's memory may belong to a pool shared with other buffers.
        const data = new Uint8Array(chunk);
        this.post(slot, { type: 'chunk', job: job.id, data }, [data.buffer]);
        inFlight++;
        while (inFlight >= STREAM_WINDOW && slot.job === job) await new Promise<void>((resolve) => (wake = resolve));
      }
      if (slot.job === job) this.post(slot, { type: 'end', job: job.id });
    } catch (err) {
      // The source failed (a broken connection, a truncated archive): the worker's job is void.
      if (slot.job === job) this.fail(slot, err instanceof Error ? err : new Error(String(err)));
    } finally {
      slot.onAck = undefined;
    }
  }

  private onReply(slot: Slot, reply: WorkerReply): void {
    const job = slot.job;
    if (!job || job.id !== reply.job) return;
    if (reply.type === 'ack') return slot.onAck?.();
    if (reply.type === 'progress') return job.options.onProgress?.(reply.storedBytes);
    slot.job = undefined;
    slot.worker.unref();
    slot.onAck?.();
    job.cleanup?.();
    if (reply.type === 'done') job.resolve(reply.index);
    else job.reject(new Error(reply.message));
    this.dispatch();
  }

  /** Ends the slot's worker and rejects its job with `err`; queued jobs go to other workers. */
  private fail(slot: Slot, err: Error): void {
    const job = slot.job;
    slot.failed = true;
    slot.job = undefined;
    const at = this.slots.indexOf(slot);
    if (at >= 0) this.slots.splice(at, 1);
    void slot.worker.terminate();
    slot.onAck?.(); // a feed waiting for room sees the job is over
    job?.cleanup?.();
    job?.reject(err);
    if (!this.disposed) this.dispatch();
  }

  private post(slot: Slot, message: WorkerRequest, transfer: ArrayBuffer[] = []): void {
    slot.worker.postMessage(message, transfer);
  }
}

function abortError(): Error {
  const err = new Error('the layer indexing was cancelled');
  err.name = 'AbortError';
  return err;
}
