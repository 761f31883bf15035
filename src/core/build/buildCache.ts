import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../store/atomicFile';
import type { ImageStore } from '../store/imageStore';
import type { BuiltLayer } from './layerWriter';

/**
 * The build cache, one small JSON file per step in `<home>/buildcache/`, keyed as BuildKit keys
 * its cache: the parent step's key, the instruction after substitution, the build args it uses,
 * and the digest of the content it copies. A hit gives back the step's layer (still in the store)
 * and its creation time, so an unchanged rebuild yields the very same config and image id.
 */
export interface CacheRecord {
  readonly created: string;
  readonly layer?: BuiltLayer;
}

export interface StepKeyInput {
  readonly parent: string;
  readonly instruction: string;
  readonly args?: Readonly<Record<string, string>>;
  readonly content?: string;
  readonly platform: string;
}

export function stepKey(input: StepKeyInput): string {
  const args = Object.entries(input.args ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const text = JSON.stringify([input.parent, input.platform, input.instruction, args, input.content ?? '']);
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

export class BuildCache {
  private constructor(readonly dir: string, private readonly store: ImageStore) {}

  static async open(store: ImageStore): Promise<BuildCache> {
    const dir = path.join(path.dirname(store.root), 'buildcache');
    await fs.mkdir(dir, { recursive: true });
    return new BuildCache(dir, store);
  }

  private file(key: string): string {
    return path.join(this.dir, `${key.slice('sha256:'.length)}.json`);
  }

  /** The record for `key`, unless missing, unreadable, or its layer was garbage-collected. */
  async get(key: string): Promise<CacheRecord | undefined> {
    let record: CacheRecord;
    try {
      record = JSON.parse(await fs.readFile(this.file(key), 'utf8')) as CacheRecord;
    } catch {
      return undefined;
    }
    if (typeof record.created !== 'string') return undefined;
    if (record.layer && !(await this.store.hasBlob(record.layer.digest))) return undefined;
    return record;
  }

  async put(key: string, record: CacheRecord): Promise<void> {
    await writeFileAtomic(this.file(key), JSON.stringify(record), this.dir);
  }
}
