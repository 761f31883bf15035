import fs from 'node:fs/promises';
import path from 'node:path';
import { containersDir, readState, writeState, type ContainerConfig, type ContainerPaths } from './containerRecord';
import { removeTree } from './removeTree';
import { unmount } from './rootfs';

/** `<home>/containers/names/<name>`: a symlink to the id, made with O_EXCL semantics so two creates never share a name. */
export function nameLink(home: string, name: string): string {
  return path.join(containersDir(home), 'names', name);
}

/**
 * Deletes a stopped container's files (unmounting a leftover overlay first), then its name. Its
 * config and state go last, so a container whose files cannot all be deleted stays listed, marked
 * dead with the reason, and keeps its name until a later removal succeeds.
 */
export async function removeContainerFiles(home: string, paths: ContainerPaths, config: Pick<ContainerConfig, 'name'>): Promise<void> {
  await unmount(paths.merged);
  const last = new Set([paths.config, paths.state]);
  try {
    const names = await fs.readdir(paths.dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    for (const name of names) if (!last.has(path.join(paths.dir, name))) await removeTree(path.join(paths.dir, name));
  } catch (err) {
    const error = `its files under ${paths.dir} could not all be deleted (${reason(err)})`;
    await writeState(paths, { ...(await readState(paths)), status: 'dead', error }).catch(() => undefined);
    throw new Error(error, { cause: err });
  }
  await fs.rm(paths.dir, { recursive: true, force: true });
  await fs.rm(nameLink(home, config.name), { force: true });
}

/** "permission denied" from "EACCES: permission denied, unlink '/x'" (the system's words, not Node's code or the image's file name). */
function reason(err: unknown): string {
  const m = /^E[A-Z]+: ([^,]+)/.exec((err as Error).message);
  return m ? m[1] : 'an unexpected error';
}
