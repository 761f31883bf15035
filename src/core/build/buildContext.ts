import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readlinkSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../store/atomicFile';
import { BuildError } from './buildError';
import { hasExceptions, isIgnored, parseDockerignore, type IgnorePattern } from './dockerignore';

/**
 * The files a build can COPY: a directory tree as it would be sent to a builder, without what
 * `.dockerignore` (or `<Dockerfile>.dockerignore` beside the Dockerfile, which BuildKit prefers)
 * leaves out. Also serves a stage's root filesystem for COPY --from, with no ignore patterns.
 */
export class SourceTree {
  private listing?: Promise<string[]>;
  /** Content digests of files by path, valid while size, mtime, ctime and inode stay (as BuildKit's metadata cache). */
  private known?: Map<string, { stat: string; digest: string }>;

  constructor(readonly root: string, private readonly patterns: readonly IgnorePattern[] = [], private readonly digestFile?: string) {}

  static async forContext(contextDir: string, dockerfile: string, cacheDir?: string): Promise<SourceTree> {
    const root = path.resolve(contextDir);
    const st = await fs.stat(root).catch(() => undefined);
    if (!st?.isDirectory()) throw new BuildError(`the build context ${contextDir} is not a directory`);
    let text = '';
    for (const candidate of [`${dockerfile}.dockerignore`, path.join(root, '.dockerignore')]) {
      try {
        text = await fs.readFile(candidate, 'utf8');
        break;
      } catch {
        // not there
      }
    }
    const digestFile = cacheDir && path.join(cacheDir, `context-${createHash('sha256').update(root).digest('hex').slice(0, 32)}.json`);
    return new SourceTree(root, parseDockerignore(text), digestFile);
  }

  /** Every path of the tree (relative, slash-separated), ignored ones left out. */
  private all(): Promise<string[]> {
    this.listing ??= (async () => {
      const out: string[] = [];
      const included = new Set<string>();
      const exceptions = hasExceptions(this.patterns);
      // an ignored directory holding an exception comes along as the exception's parent, as Docker sends it
      const include = (p: string): void => {
        if (included.has(p)) return;
        const slash = p.lastIndexOf('/');
        if (slash > 0) include(p.slice(0, slash));
        included.add(p);
        out.push(p);
      };
      const walk = async (rel: string): Promise<void> => {
        const entries = await fs.readdir(path.join(this.root, rel), { withFileTypes: true });
        for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
          const child = rel ? `${rel}/${e.name}` : e.name;
          const ignored = isIgnored(this.patterns, child);
          if (!ignored) include(child);
          if (e.isDirectory() && (!ignored || exceptions)) await walk(child);
        }
      };
      await walk('');
      return out;
    })();
    return this.listing;
  }

  /**
   * The paths a COPY source names: the path itself, or with wildcards (`*`, `?`, `[...]`) every
   * path they match. A source outside the tree, or matching nothing, is an error as in Docker.
   */
  async resolve(source: string): Promise<string[]> {
    const clean = path.posix.normalize(`/${source}`).slice(1).replace(/\/$/, '');
    if (clean.startsWith('..')) throw new BuildError(`${source}: the source is outside the build context`);
    const all = await this.all();
    if (!/[*?[]/.test(clean)) {
      if (clean === '') return [''];
      if (all.includes(clean)) return [clean];
      throw new BuildError(`${source}: not found (no such file or directory in the ${this.patterns.length ? 'build context after .dockerignore' : 'source'})`);
    }
    const re = globRegex(clean);
    const found = all.filter((p) => re.test(p));
    if (!found.length) throw new BuildError(`${source}: no source files were specified (the pattern matches nothing)`);
    return found;
  }

  /** `rel` and everything under it that is not ignored. */
  async under(rel: string): Promise<string[]> {
    const all = await this.all();
    if (rel === '') return all;
    return all.filter((p) => p === rel || p.startsWith(`${rel}/`));
  }

  /** A digest of the paths' names, modes and contents (the cache key of a COPY). */
  async digest(sources: readonly string[]): Promise<string> {
    const known = await this.knownDigests();
    let changed = false;
    const hash = createHash('sha256');
    for (const source of sources) {
      for (const rel of await this.under(source)) {
        const file = path.join(this.root, rel);
        // Synchronous: thousands of awaited stats cost a thread-pool round trip each, most of a warm rebuild.
        const st = lstatSync(file, { bigint: true });
        hash.update(`${rel}\0${st.mode}\0${st.uid}:${st.gid}\0`);
        if (st.isSymbolicLink()) hash.update(readlinkSync(file));
        else if (st.isFile()) {
          const stat = `${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.ino}`;
          let entry = known.get(rel);
          if (entry?.stat !== stat) {
            const content = createHash('sha256');
            for await (const chunk of createReadStream(file)) content.update(chunk as Buffer);
            entry = { stat, digest: content.digest('hex') };
            known.set(rel, entry);
            changed = true;
          }
          hash.update(entry.digest);
        }
        hash.update('\0');
      }
    }
    if (changed && this.digestFile) await writeFileAtomic(this.digestFile, JSON.stringify(Object.fromEntries(known)), path.dirname(this.digestFile));
    return `sha256:${hash.digest('hex')}`;
  }

  private async knownDigests(): Promise<Map<string, { stat: string; digest: string }>> {
    if (this.known) return this.known;
    let saved: Record<string, { stat: string; digest: string }> = {};
    if (this.digestFile) {
      try {
        saved = JSON.parse(await fs.readFile(this.digestFile, 'utf8')) as typeof saved;
      } catch {
        // none yet, or unreadable: computed again
      }
    }
    this.known = new Map(Object.entries(saved));
    return this.known;
  }
}

/** Go's filepath.Match over whole slash-separated paths: `*` and `?` never cross a `/`. */
export function globRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) throw new BuildError(`${pattern}: syntax error in pattern`);
      let cls = pattern.slice(i + 1, close);
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      re += `[${cls}]`;
      i = close;
    } else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += /[.+^${}()|\\/]/.test(c) ? `\\${c}` : c;
  }
  return new RegExp(`^${re}$`);
}
