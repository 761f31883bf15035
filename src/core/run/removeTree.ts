import fs from 'node:fs/promises';

/**
 * Deletes `target` and everything under it. An image's or a container's tree may hold
 * directories its owner cannot list or empty (`chmod 000 /d`, a 0555 /usr/bin), where `rm -rf` by
 * that owner fails; unless running as root (whom modes do not hold back), every directory gets
 * u+rwx first. The trees removed are this user's own stopped containers' and layers', so the walk
 * never changes another user's file. It runs before the removal, not after a failed one: fs.rm
 * removes siblings in parallel and fails before those end.
 */
export async function removeTree(target: string): Promise<void> {
  if (process.getuid && process.getuid() !== 0) await openForRemoval(target);
  await fs.rm(target, { recursive: true, force: true });
}

/** Paths as bytes: a name that is not UTF-8 must still be found. */
async function openForRemoval(top: string): Promise<void> {
  const pending = [Buffer.from(top)];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    const st = await fs.lstat(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (!st?.isDirectory()) continue;
    if ((st.mode & 0o700) !== 0o700) await fs.chmod(dir, (st.mode & 0o7777) | 0o700);
    for (const entry of await fs.readdir(dir, { withFileTypes: true, encoding: 'buffer' })) {
      if (entry.isDirectory()) pending.push(Buffer.concat([dir, SEPARATOR, entry.name]));
    }
  }
}

const SEPARATOR = Buffer.from('/');
