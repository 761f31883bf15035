import fs from 'node:fs';
import path from 'node:path';
import { sandboxSupport } from '../../src/core/run/sandbox';
import { loadArchive } from '../../src/core/store/archiveLoad';
import type { ImageStore } from '../../src/core/store/imageStore';
import { baseImage, docker, dockerMissing } from './services';

/** Why containers cannot run on this machine (no namespaces, no unshare), or undefined. */
export function sandboxMissing(): string | undefined {
  const support = sandboxSupport();
  return support.ok ? undefined : support.reason;
}

/** Why the base image cannot be put into a core store, or undefined. */
export function coreBaseMissing(): string | undefined {
  return sandboxMissing() ?? dockerMissing();
}

/** The test daemon's base image (busybox), `docker save`d and loaded into `store`; its reference. */
export async function loadBaseImage(store: ImageStore): Promise<string> {
  const archive = path.join(path.dirname(store.root), 'base.tar');
  docker('save', '-o', archive, baseImage());
  await loadArchive(store, archive);
  fs.rmSync(archive);
  return baseImage();
}

const repo = path.resolve(__dirname, '../..');

/** Runs container supervisors from the TypeScript source (the bundle has dist/containerSupervisor.js). */
export function sourceSupervisor(): { argv: string[]; cwd: string } {
  return { argv: [process.execPath, '--import', 'tsx', path.join(repo, 'src/core/run/containerSupervisor.ts')], cwd: repo };
}
