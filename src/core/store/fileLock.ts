import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A lock between processes: a file created with O_EXCL that holds the owner's pid. A lock whose
 * pid is no longer running (the owner was killed) is stale and is broken by the next taker.
 */
export interface FileLock {
  release(): Promise<void>;
}

export interface LockOptions {
  /** Give up after this long (ms) with an error naming the holder. */
  timeoutMs?: number;
  /** Called between attempts; resolving true stops waiting (e.g. the blob appeared meanwhile). */
  satisfied?: () => Promise<boolean>;
}

/** A lock file written but still empty (its owner is between open and write) is left alone this long. */
const EMPTY_GRACE_MS = 5_000;

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The holder's pid, or undefined when the lock is absent or not yet written. */
export async function lockOwner(file: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await fs.readFile(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True when nobody holds the lock: absent, or its owner is dead. */
export async function lockIsFree(file: string): Promise<boolean> {
  const pid = await lockOwner(file);
  if (pid !== undefined) return !pidAlive(pid);
  try {
    const stat = await fs.stat(file);
    return Date.now() - stat.mtimeMs > EMPTY_GRACE_MS;
  } catch {
    return true;
  }
}

/** Takes the lock, waiting while a live process holds it; undefined when `satisfied` said stop. */
export async function acquireLock(file: string, options: LockOptions = {}): Promise<FileLock | undefined> {
  const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
  let delay = 10;
  for (;;) {
    const created = await tryCreate(file);
    if (created) return created;
    if (await lockIsFree(file)) {
      await breakStale(file);
      continue;
    }
    if (options.satisfied && (await options.satisfied())) return undefined;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for the lock ${file}, held by process ${(await lockOwner(file)) ?? '?'}`);
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 200);
  }
}

async function tryCreate(file: string): Promise<FileLock | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw err;
  }
  let full = false;
  try {
    await handle.writeFile(`${process.pid}\n`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') {
      await fs.rm(file, { force: true });
      throw err;
    }
    full = true;
  } finally {
    await handle.close();
  }
  if (!full) return { release: () => fs.rm(file, { force: true }) };
  // A full disk (gc is how it gets space back) has no room for the pid: the lock stays empty, and
  // an empty lock touched within EMPTY_GRACE_MS is held, so it is touched until released.
  const keepAlive = setInterval(() => void fs.utimes(file, new Date(), new Date()).catch(() => undefined), EMPTY_GRACE_MS / 5);
  keepAlive.unref();
  return {
    release: () => {
      clearInterval(keepAlive);
      return fs.rm(file, { force: true });
    },
  };
}

/**
 * Moves the stale lock aside before deleting it, so that two processes breaking it at once do not
 * delete a fresh lock a third one has just taken: whoever renames second finds nothing to move.
 */
async function breakStale(file: string): Promise<void> {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await fs.rename(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const pid = await lockOwner(aside);
  if (pid !== undefined && pidAlive(pid)) {
    // A live owner took the lock between our check and the rename: give it back.
    await fs.link(aside, file).catch(() => undefined);
  }
  await fs.rm(aside, { force: true });
}
