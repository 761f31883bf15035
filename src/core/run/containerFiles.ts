import fs from 'node:fs/promises';
import path from 'node:path';
import { containersDir, type ContainerConfig, type ContainerPaths } from './containerRecord';
import { unmount } from './rootfs';

/** `<home>/containers/names/<name>`: a symlink to the id, made with O_EXCL semantics so two creates never share a name. */
export function nameLink(home: string, name: string): string {
  return path.join(containersDir(home), 'names', name);
}

/** Deletes a stopped container's files (unmounting a leftover overlay first) and its name. */
export async function removeContainerFiles(home: string, paths: ContainerPaths, config: Pick<ContainerConfig, 'name'>): Promise<void> {
  await unmount(paths.merged);
  await fs.rm(paths.dir, { recursive: true, force: true });
  await fs.rm(nameLink(home, config.name), { force: true });
}
