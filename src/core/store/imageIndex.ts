import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomicFile';
import type { ImageIndex } from './descriptor';
import { MediaType } from './descriptor';
import { acquireLock } from './fileLock';
import { StoreError } from './storeErrors';

/** The layout's index.json: read whole, changed under a lock, replaced atomically. */
export class IndexFile {
  constructor(private readonly root: string, private readonly ingestDir: string) {}

  get file(): string {
    return path.join(this.root, 'index.json');
  }

  async read(): Promise<ImageIndex> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyIndex();
      throw err;
    }
    try {
      const index = JSON.parse(text) as ImageIndex;
      if (!Array.isArray(index.manifests)) throw new Error('no "manifests" array');
      return index;
    } catch (err) {
      throw new StoreError(`${this.file} is not a valid OCI index (${(err as Error).message}); restore it or remove the store`);
    }
  }

  /** Runs `body` holding the index lock: nobody changes the index meanwhile. */
  async locked<T>(body: () => Promise<T>): Promise<T> {
    const lock = await acquireLock(path.join(this.ingestDir, 'index.json.lock'));
    try {
      return await body();
    } finally {
      await lock?.release();
    }
  }

  /** Runs `change` on the current index under the lock and writes the result; returns what `change` returned. */
  update<T>(change: (index: ImageIndex) => T | Promise<T>): Promise<T> {
    return this.locked(async () => {
      const index = await this.read();
      const result = await change(index);
      await writeFileAtomic(this.file, `${JSON.stringify(index)}\n`, this.ingestDir);
      return result;
    });
  }
}

export function emptyIndex(): ImageIndex {
  return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
}
