// The examples' base image, busybox:local, made in the engine `npm start` uses when it is not there:
// nothing can be pulled from Docker Hub offline, so a newcomer's first Build Image would fail.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isEngineError, type Engine } from '../src/engine/engine';

export const EXAMPLE_BASE = 'busybox:local';
const ROOTFS_SCRIPT = path.join(__dirname, 'busybox-rootfs.sh');

/** Writes the busybox-static root filesystem tar of scripts/busybox-rootfs.sh to `file`. */
export function writeBusyboxRootfs(file: string): void {
  const out = fs.openSync(file, 'w');
  try {
    execFileSync('bash', [ROOTFS_SCRIPT], { stdio: ['ignore', out, 'pipe'] });
  } finally {
    fs.closeSync(out);
  }
}

/** Makes busybox:local from Debian's busybox-static unless the engine has it; says what it did. */
export async function ensureExampleBase(engine: Engine): Promise<string> {
  try {
    await engine.inspectImage(EXAMPLE_BASE);
    return `Base image ${EXAMPLE_BASE}: already in the engine.`;
  } catch (err) {
    if (!isEngineError(err) || err.reason !== 'notFound') throw err;
  }
  installBusyboxStatic();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-base-'));
  try {
    const tar = path.join(dir, 'rootfs.tar');
    writeBusyboxRootfs(tar);
    await engine.importImage(tar, EXAMPLE_BASE, { command: ['/bin/sh'] });
    return `Base image ${EXAMPLE_BASE}: imported into the engine from Debian's busybox-static, for the examples.`;
  } catch (err) {
    const why = (err as { stderr?: Buffer }).stderr?.toString().trim() || (err instanceof Error ? err.message : String(err));
    return `Base image ${EXAMPLE_BASE}: not made (${why}); the examples' FROM line needs an image the engine has.`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function installBusyboxStatic(): void {
  const installed = (() => {
    try {
      return execFileSync('dpkg-query', ['-W', '-f=${Status}', 'busybox-static'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes('install ok installed');
    } catch {
      return false;
    }
  })();
  if (installed || process.getuid?.() !== 0 || !fs.existsSync('/usr/bin/apt-get')) return;
  console.log('Installing the Debian package busybox-static, for the examples\' base image…');
  execFileSync('apt-get', ['update', '-qq', '-o', 'DPkg::Lock::Timeout=600'], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=600', 'busybox-static'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}
