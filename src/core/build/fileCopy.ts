import fs from 'node:fs/promises';
import path from 'node:path';
import { resolveInRoot } from '../run/rootPath';
import { BuildError } from './buildError';
import type { SourceTree } from './buildContext';

export interface CopyOptions {
  /** --chown; else root for the context, the source's owner for --from. */
  readonly owner?: { uid: number; gid: number };
  readonly keepOwner: boolean;
  /** --chmod, for files and directories copied. */
  readonly chmod?: number;
}

/**
 * COPY's semantics: a directory source copies its contents into the destination; a file goes to
 * `dest/<name>` when the destination ends with `/`, already is a directory, or there are several
 * sources, else to `dest` itself. Modes and mtimes are kept; owners become root (or --chown) from
 * the context and stay as they were from another stage. Nothing is written outside `rootfs`.
 */
export async function copySources(tree: SourceTree, sources: readonly string[], rootfs: string, dest: string, options: CopyOptions): Promise<void> {
  const destDirHost = resolveInRoot(rootfs, dest, { followLast: true });
  const existing = await fs.stat(destDirHost).catch(() => undefined);
  const intoDir = dest.endsWith('/') || sources.length > 1 || !!existing?.isDirectory();
  if (sources.length > 1 && !dest.endsWith('/') && !existing?.isDirectory()) {
    throw new BuildError(`When using COPY with more than one source file, the destination must be a directory and end with a /`);
  }
  for (const source of sources) {
    const from = path.join(tree.root, source);
    const st = await fs.stat(from);
    if (st.isDirectory()) {
      const target = resolveInRoot(rootfs, dest, { createDirs: true, followLast: true });
      if (!existing && options.owner) await fs.chown(target, options.owner.uid, options.owner.gid);
      await copyChildren(tree, source, target, options);
    } else {
      const parentInRoot = intoDir ? dest : path.posix.dirname(dest);
      const parentExisted = intoDir ? !!existing : await fs.stat(resolveInRoot(rootfs, parentInRoot, { followLast: true })).then(() => true, () => false);
      const parent = resolveInRoot(rootfs, parentInRoot, { createDirs: true, followLast: true });
      if (!parentExisted && options.owner) await fs.chown(parent, options.owner.uid, options.owner.gid);
      const name = intoDir ? path.posix.basename(source) : path.posix.basename(dest);
      await copyEntry(from, path.join(parent, name), options, true);
    }
  }
}

/** Files copied at once: each is a few syscalls, so overlapping them matters more than their bytes. */
const PARALLEL_FILES = 16;

async function copyChildren(tree: SourceTree, source: string, targetDir: string, options: CopyOptions): Promise<void> {
  const entries = (await tree.under(source)).filter((p) => p !== source);
  const prefix = source ? source.length + 1 : 0;
  const dirs: [string, string][] = [];
  const files: [string, string][] = [];
  for (const rel of entries) {
    const pair: [string, string] = [path.join(tree.root, rel), path.join(targetDir, rel.slice(prefix))];
    const st = await fs.lstat(pair[0]);
    if (st.isDirectory()) {
      await copyEntry(pair[0], pair[1], options, false);
      dirs.push(pair);
    } else files.push(pair);
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const [from, to] = files[next++];
      await copyEntry(from, to, options, false);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_FILES }, worker));
  // directory mtimes last: writing their children changed them
  for (const [from, to] of dirs.reverse()) {
    const st = await fs.lstat(from);
    await fs.utimes(to, st.atime, st.mtime);
  }
}

/** Copies one entry (not its children); true for a directory. */
async function copyEntry(from: string, to: string, options: CopyOptions, follow: boolean): Promise<boolean> {
  const st = follow ? await fs.stat(from) : await fs.lstat(from);
  const there = await fs.lstat(to).catch(() => undefined);
  if (there && !(there.isDirectory() && st.isDirectory())) await fs.rm(to, { recursive: true, force: true });
  const uid = options.owner?.uid ?? (options.keepOwner ? st.uid : 0);
  const gid = options.owner?.gid ?? (options.keepOwner ? st.gid : 0);
  const mode = options.chmod ?? st.mode & 0o7777;
  if (st.isDirectory()) {
    if (!there) await fs.mkdir(to);
    await fs.chown(to, uid, gid);
    await fs.chmod(to, mode);
    return true;
  }
  if (st.isSymbolicLink()) {
    await fs.symlink(await fs.readlink(from), to);
    await fs.lchown(to, uid, gid);
    await fs.lutimes(to, st.atime, st.mtime);
  } else if (st.isFile()) {
    await fs.copyFile(from, to);
    await fs.chown(to, uid, gid);
    await fs.chmod(to, mode);
    await fs.utimes(to, st.atime, st.mtime);
  }
  return false;
}

/** A `--chown` value (`uid[:gid]`, or names from the image's /etc/passwd and /etc/group). */
export async function resolveOwner(rootfs: string | undefined, spec: string): Promise<{ uid: number; gid: number }> {
  const [user, group] = spec.split(':', 2);
  const lookup = async (file: string, name: string, idField: number): Promise<string[] | undefined> => {
    if (!rootfs) return undefined;
    const text = await fs.readFile(resolveInRoot(rootfs, file, { followLast: true }), 'utf8').catch(() => '');
    return text.split('\n').map((l) => l.split(':')).find((f) => f[0] === name && f[idField] !== undefined);
  };
  let uid: number;
  let gid: number | undefined;
  if (/^\d+$/.test(user)) uid = Number(user);
  else {
    const entry = await lookup('etc/passwd', user, 2);
    if (!entry) throw new BuildError(`unable to convert uid/gid chown string to host mapping: no user "${user}" in the image's /etc/passwd`);
    uid = Number(entry[2]);
  }
  if (group !== undefined) {
    if (/^\d+$/.test(group)) gid = Number(group);
    else {
      const entry = await lookup('etc/group', group, 2);
      if (!entry) throw new BuildError(`unable to convert uid/gid chown string to host mapping: no group "${group}" in the image's /etc/group`);
      gid = Number(entry[2]);
    }
  }
  return { uid, gid: gid ?? uid };
}
