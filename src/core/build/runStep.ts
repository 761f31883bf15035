import fs from 'node:fs/promises';
import path from 'node:path';
import { resolveInRoot } from '../run/rootPath';
import { sandboxSupport, spawnSandboxed } from '../run/sandbox';
import { BuildError } from './buildError';

export interface RunSpec {
  readonly rootfs: string;
  readonly argv: string[];
  readonly env: string[];
  readonly cwd: string;
  readonly user?: string;
  readonly network: 'none' | 'host';
  readonly signal?: AbortSignal;
  readonly onOutput: (text: string) => void;
}

/** Lines of output a failing RUN reports. */
const TAIL_LINES = 10;

/** The files Docker bind-mounts into a RUN from the host and never commits. */
export const HOST_FILES = ['etc/resolv.conf', 'etc/hosts', 'etc/hostname'];

/**
 * Runs one RUN command in the stage's root filesystem through the core sandbox, with the host's
 * resolv.conf/hosts for the network (restored afterwards, so they never enter the layer). A
 * non-zero exit is a BuildError with the code and the last lines of output.
 */
export async function runInRootfs(spec: RunSpec): Promise<void> {
  const support = sandboxSupport();
  if (!support.ok) throw new BuildError(`RUN needs the core sandbox: ${support.reason}`);
  const restore = await provideHostFiles(spec.rootfs);
  const tail: string[] = [];
  let partial = '';
  try {
    const child = spawnSandboxed({ rootfs: spec.rootfs, argv: spec.argv, env: spec.env, cwd: spec.cwd, user: spec.user, network: spec.network, hostname: 'buildkitsandbox' });
    child.stdin?.end();
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      spec.onOutput(text);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      tail.push(...lines);
      if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const abort = (): void => void child.kill('SIGKILL');
    spec.signal?.addEventListener('abort', abort);
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (c, sig) => resolve(c ?? (sig ? 128 : 1)));
    }).finally(() => spec.signal?.removeEventListener('abort', abort));
    if (spec.signal?.aborted) throw new BuildError('the build was cancelled');
    if (code !== 0) {
      if (partial) tail.push(partial);
      const shown = tail.slice(-TAIL_LINES).join('\n');
      throw new BuildError(`process "${spec.argv.join(' ')}" did not complete successfully: exit code: ${code}${shown ? `\n${shown}` : ''}`, undefined, code);
    }
  } finally {
    await restore();
  }
}

async function provideHostFiles(rootfs: string): Promise<() => Promise<void>> {
  const saved: { file: string; content?: Buffer; mode?: number; uid?: number; gid?: number; mtime?: Date }[] = [];
  resolveInRoot(rootfs, 'etc', { createDirs: true, followLast: true });
  for (const rel of HOST_FILES) {
    const file = resolveInRoot(rootfs, rel);
    const st = await fs.lstat(file).catch(() => undefined);
    if (st && !st.isFile()) continue;
    saved.push({ file, content: st ? await fs.readFile(file) : undefined, mode: st?.mode, uid: st?.uid, gid: st?.gid, mtime: st?.mtime });
    const host = rel === 'etc/hostname' ? Buffer.from('buildkitsandbox\n') : await fs.readFile(path.join('/', rel)).catch(() => Buffer.alloc(0));
    await fs.writeFile(file, host);
  }
  return async () => {
    for (const s of saved) {
      if (s.content === undefined) {
        await fs.rm(s.file, { force: true });
        continue;
      }
      await fs.writeFile(s.file, s.content);
      await fs.chown(s.file, s.uid!, s.gid!);
      await fs.chmod(s.file, s.mode! & 0o7777);
      await fs.utimes(s.file, s.mtime!, s.mtime!);
    }
  };
}
