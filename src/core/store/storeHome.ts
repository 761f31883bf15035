import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StoreError } from './storeErrors';

/** Where the core keeps its data: $STEVEDORE_HOME, else $XDG_DATA_HOME/stevedore, else ~/.local/share/stevedore. */
export function stevedoreHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STEVEDORE_HOME) return path.resolve(env.STEVEDORE_HOME);
  if (env.XDG_DATA_HOME) return path.join(path.resolve(env.XDG_DATA_HOME), 'stevedore');
  return path.join(os.homedir(), '.local', 'share', 'stevedore');
}

/** The top-level trees of a home: the image store, unpacked layers, containers' root filesystems, build workspaces. */
const TREES = ['images', 'layers', 'containers', 'build'];

/**
 * Makes `home` and its top-level trees exist as directories only their owner (this user) can
 * enter. Unpacked layers and containers' root filesystems keep an image's setuid-root files with
 * their modes (0755 down to them): a store another user can walk into lets that user run them
 * and become root (or, for a rootless store, become its owner), as Docker's 0710/0700
 * /var/lib/docker and Podman's 0700 storage directories prevent.
 *
 * A directory of ours open to others (a store made by an earlier version, or under a 0755 path
 * like /srv/stevedore) is made 0700 at once: it is this user's private data, and a fix that waited
 * for the user to act would leave every existing store open. One owned by another user is refused:
 * its owner could reach what we unpack there (or swap its entries), and only they can fix it.
 */
export async function openPrivateHome(home: string): Promise<void> {
  await makeDir(path.dirname(home), { recursive: true });
  for (const dir of [home, ...TREES.map((t) => path.join(home, t))]) {
    await makeDir(dir, { mode: 0o700 });
    await makePrivate(dir);
  }
}

async function makeDir(dir: string, options: { recursive?: boolean; mode?: number }): Promise<void> {
  try {
    await fs.mkdir(dir, options);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    throw new StoreError(`cannot create the store directory ${dir}: ${code === 'EACCES' ? 'permission denied' : code === 'ENOTDIR' ? 'a parent is not a directory' : code === 'EROFS' ? 'read-only file system' : 'it cannot be made'}; set STEVEDORE_HOME to a directory of your own`);
  }
}

async function makePrivate(dir: string): Promise<void> {
  const st = await fs.stat(dir);
  if (!st.isDirectory()) throw new StoreError(`the store directory ${dir} is not a directory; move it away or set STEVEDORE_HOME to a directory of your own`);
  const uid = process.getuid?.();
  if (uid === undefined) return;
  if (st.uid !== uid) {
    throw new StoreError(`the store directory ${dir} belongs to uid ${st.uid}, not to you (uid ${uid}): its owner could run the setuid files of images unpacked there; set STEVEDORE_HOME to a directory of your own, or have it given to you (chown ${uid} ${dir}) and run: chmod 700 ${dir}`);
  }
  if ((st.mode & 0o077) === 0) return;
  try {
    await fs.chmod(dir, 0o700);
  } catch {
    throw new StoreError(`the store directory ${dir} is open to other users, who could run the setuid files of images unpacked there, and it could not be made private; run: chmod 700 ${dir}`);
  }
}
