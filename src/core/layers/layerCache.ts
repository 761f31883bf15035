import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { INDEX_VERSION, readLayerMeta } from './layerIndex';

/**
 * Layer indexes on disk, one file per layer, keyed by the sha256 of the layer's content (its
 * diffID, computed from the bytes read: by the indexer, or by the engine export's spool): an image
 * reopened, or another image sharing its base layers, reads them back in milliseconds instead of
 * reading the layers again. Layers of an archive file, whose diffIDs are only what its config
 * claims, are kept apart under a key of that file (see get), so a doctored archive can never
 * plant its index under a real layer's digest. On disk rather than in memory: the
 * CLI and a restarted VS Code share it, and the OS's page cache already keeps recent ones in
 * memory without a second copy in the extension host. Indexes of another format version live in
 * another folder and are never read.
 *
 * Image configs are kept beside them, by their own digest (an image's id): an engine's image
 * reopened gets its exact history without exporting the image again.
 */
export class LayerIndexCache {
  readonly dir: string;
  private readonly configDir: string;

  constructor(
    root = defaultCacheRoot(),
    /** Beyond this, the least recently used indexes are deleted. */
    private readonly maxBytes = 1 << 30,
  ) {
    this.dir = path.join(root, 'layers', `v${INDEX_VERSION}`);
    this.configDir = path.join(root, 'configs');
  }

  /** The config whose sha256 is `id`, or undefined. */
  async getConfig(id: string): Promise<Buffer | undefined> {
    const m = /^sha256:([0-9a-f]{64})$/.exec(id);
    if (!m) return undefined;
    const bytes = await fs.readFile(path.join(this.configDir, `${m[1]}.json`)).catch(() => undefined);
    return bytes && crypto.createHash('sha256').update(bytes).digest('hex') === m[1] ? bytes : undefined;
  }

  /** Keeps an image config under its digest (configs are a few kilobytes; they are never evicted). */
  async putConfig(bytes: Uint8Array): Promise<void> {
    const file = path.join(this.configDir, `${crypto.createHash('sha256').update(bytes).digest('hex')}.json`);
    const temporary = `${file}.${process.pid}.tmp`;
    try {
      await fs.mkdir(this.configDir, { recursive: true });
      await fs.writeFile(temporary, bytes);
      await fs.rename(temporary, file);
    } catch {
      await fs.rm(temporary, { force: true }).catch(() => undefined);
    }
  }

  /**
   * The encoded index of the layer whose content has this digest, or undefined. With a `key` (a
   * source that cannot vouch for the digest: an archive file), only an index stored under that
   * key: such indexes serve the same unchanged file again, never another source.
   */
  async get(diffId: string, key?: string): Promise<Uint8Array | undefined> {
    const file = this.file(diffId, key);
    if (!file) return undefined;
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(file);
    } catch {
      return undefined;
    }
    try {
      if (readLayerMeta(bytes).diffId !== diffId) throw new Error('another layer');
    } catch {
      await fs.rm(file, { force: true }); // a torn or foreign file: forget it
      return undefined;
    }
    const now = new Date();
    await fs.utimes(file, now, now).catch(() => undefined);
    return bytes;
  }

  /** Stores an index under the digest it records (or under `key`, see get); a cache that cannot be written is skipped quietly. */
  async put(encoded: Uint8Array, key?: string): Promise<void> {
    const file = this.file(readLayerMeta(encoded).diffId, key);
    if (!file) return;
    const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(temporary, encoded);
      await fs.rename(temporary, file);
      await this.evict();
    } catch {
      await fs.rm(temporary, { force: true }).catch(() => undefined);
    }
  }

  private file(diffId: string, key?: string): string | undefined {
    if (key !== undefined) return /^[0-9a-f]{64}$/.test(key) ? path.join(this.dir, 'by-source', `${key}.idx`) : undefined;
    const m = /^sha256:([0-9a-f]{64})$/.exec(diffId);
    return m ? path.join(this.dir, `${m[1]}.idx`) : undefined;
  }

  private async evict(): Promise<void> {
    const names = (await fs.readdir(this.dir, { recursive: true })).filter((n) => n.endsWith('.idx'));
    const files = await Promise.all(names.map(async (n) => ({ file: path.join(this.dir, n), stat: await fs.stat(path.join(this.dir, n)).catch(() => undefined) })));
    let total = files.reduce((sum, f) => sum + (f.stat?.size ?? 0), 0);
    for (const f of files.filter((x) => x.stat).sort((a, b) => a.stat!.mtimeMs - b.stat!.mtimeMs)) {
      if (total <= this.maxBytes) return;
      await fs.rm(f.file, { force: true });
      total -= f.stat!.size;
    }
  }
}

/** STEVEDORE_CACHE_DIR, else the platform's cache folder for Stevedore. */
export function defaultCacheRoot(): string {
  if (process.env.STEVEDORE_CACHE_DIR) return process.env.STEVEDORE_CACHE_DIR;
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Caches', 'stevedore');
  if (process.platform === 'win32') return path.join(process.env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'stevedore', 'Cache');
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(home, '.cache'), 'stevedore');
}
