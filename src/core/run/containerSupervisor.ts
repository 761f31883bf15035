/**
 * One per running container, started detached by the runner (`node containerSupervisor.js
 * <container dir> <home>`): mounts the rootfs, runs the container's process in its sandbox, writes
 * its output to log.jsonl with timestamps and its exit to state.json, then unmounts. Being its own
 * process, the container outlives VS Code or the CLI that started it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImageStore } from '../store/imageStore';
import { ContainerPaths, readConfig, readState, writeState, type ContainerConfig } from './containerRecord';
import { emitEvent, sleep } from './coreEvents';
import { mountImageRootfs } from './rootfs';
import { resolveInRoot } from './rootPath';
import { sandboxInitPid, spawnSandboxed } from './sandbox';
import { removeContainerFiles } from './containerFiles';

/**
 * Docker's exit code for a process ended by a signal: 128 + its number. unshare passes a signal
 * death on by killing itself with it, except SIGKILL (it cannot reset that handler and exits 1), so
 * an exit 1 right after the runner sent SIGKILL (its `kill-signal` file) is reported as 137.
 */
function dockerExitCode(code: number | null, signal: NodeJS.Signals | null, paths: ContainerPaths): number {
  if (signal) return 128 + (os.constants.signals[signal] ?? 0);
  let sent = 0;
  try {
    sent = Number(fs.readFileSync(paths.killSignal, 'utf8'));
  } catch {
    // no signal was sent
  }
  return code === 1 && sent === 9 ? 137 : (code ?? 0);
}

/** /etc/hostname, /etc/hosts and (host network) /etc/resolv.conf, as Docker provides them. */
function writeNetworkFiles(rootfs: string, config: ContainerConfig): void {
  const hostname = config.spec.hostname ?? config.id.slice(0, 12);
  const write = (file: string, text: string) => {
    const target = resolveInRoot(rootfs, file, { followLast: true });
    resolveInRoot(rootfs, path.dirname(file), { createDirs: true, followLast: true });
    fs.rmSync(target, { force: true });
    fs.writeFileSync(target, text, { mode: 0o644 });
  };
  write('etc/hostname', `${hostname}\n`);
  write('etc/hosts', `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t${hostname}\n`);
  if (config.spec.network === 'host' && fs.existsSync('/etc/resolv.conf')) write('etc/resolv.conf', fs.readFileSync('/etc/resolv.conf', 'utf8'));
}

/** Appends output to log.jsonl a line at a time: `{"time","stream","log"}`, like Docker's json-file driver. */
class LogWriter {
  private readonly fd: number;
  private readonly partial = { stdout: '', stderr: '' };

  constructor(file: string) {
    this.fd = fs.openSync(file, 'a');
  }

  write(stream: 'stdout' | 'stderr', text: string): void {
    const lines = (this.partial[stream] + text).split(/(?<=\n)/);
    this.partial[stream] = lines[lines.length - 1].endsWith('\n') ? '' : lines.pop()!;
    for (const log of lines) this.line(stream, log);
  }

  close(): void {
    for (const stream of ['stdout', 'stderr'] as const) if (this.partial[stream]) this.line(stream, this.partial[stream]);
    fs.closeSync(this.fd);
  }

  private line(stream: string, log: string): void {
    fs.writeSync(this.fd, `${JSON.stringify({ time: new Date().toISOString(), stream, log })}\n`);
  }
}

function rootOf(pid: number): string {
  try {
    return fs.readlinkSync(`/proc/${pid}/root`);
  } catch {
    return '/';
  }
}

/**
 * Calls `abandon` when stdin (a pipe from the runner that started this supervisor) closes before
 * `started()`: the runner gave up waiting or was killed, so nobody waits for the container. The
 * returned function marks the container started; from then on the supervisor runs on its own.
 */
function watchRequester(abandon: () => void): () => void {
  let started = false;
  const closed = () => {
    if (!started) abandon();
  };
  process.stdin.on('end', closed).on('close', closed).on('error', closed);
  process.stdin.resume();
  return () => {
    started = true;
    process.stdin.destroy();
  };
}

async function supervise(dir: string, home: string): Promise<void> {
  const paths = new ContainerPaths(dir);
  const config = await readConfig(paths);
  const previous = await readState(paths);
  const event = (action: string, attributes: Record<string, string> = {}) => emitEvent(home, { type: 'container', action, id: config.id, attributes: { name: config.name, image: config.image, ...attributes } });
  let release = () => Promise.resolve();
  const started = watchRequester(() => {
    // Stops the setup where it is (unpacking a large layer can take minutes); the record says why.
    const now = new Date().toISOString();
    void writeState(paths, { status: 'exited', exitCode: 127, error: 'abandoned: the process that started the container went away before it was set up', startedAt: now, finishedAt: now, restartCount: previous.restartCount ?? 0 })
      .then(() => release())
      .then(() => (config.autoRemove ? removeContainerFiles(home, paths, config) : undefined))
      .finally(() => process.exit(1));
  });
  try {
    const store = await ImageStore.open(home);
    const rootfs = await mountImageRootfs(store, { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: config.manifest, size: 0 }, paths);
    release = () => rootfs.release();
    writeNetworkFiles(rootfs.merged, config);
    const log = new LogWriter(paths.log);
    const child = spawnSandboxed({ ...config.spec, rootfs: rootfs.merged });
    child.stdin!.end();
    child.stdout!.on('data', (d: Buffer) => log.write('stdout', d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => log.write('stderr', d.toString('utf8')));
    fs.rmSync(paths.killSignal, { force: true });
    const exited = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(dockerExitCode(code, signal, paths))));
    // Running means set up: PID 1 has chrooted (its setup before that mounts /proc and sets the hostname).
    let pid: number | undefined;
    for (let i = 0; i < 500 && child.exitCode === null; i++) {
      pid = sandboxInitPid(child.pid!);
      if (pid && rootOf(pid) !== '/') break;
      await sleep(10);
    }
    const startedAt = new Date().toISOString();
    started();
    await writeState(paths, { status: 'running', supervisorPid: process.pid, pid, startedAt, overlay: rootfs.overlay, restartCount: previous.restartCount ?? 0 });
    event('start');
    const exitCode = await exited;
    log.close();
    await release();
    await writeState(paths, { status: 'exited', exitCode, startedAt, finishedAt: new Date().toISOString(), overlay: rootfs.overlay, restartCount: previous.restartCount ?? 0 });
    event('die', { exitCode: String(exitCode) });
  } catch (err) {
    started();
    await release().catch(() => undefined);
    const now = new Date().toISOString();
    await writeState(paths, { status: 'exited', exitCode: 127, error: (err as Error).message, startedAt: now, finishedAt: now, restartCount: previous.restartCount ?? 0 });
    // With --rm the state goes with the container: `start` finds why in this event.
    event('die', { exitCode: '127', error: (err as Error).message });
  }
  if (config.autoRemove) {
    await removeContainerFiles(home, paths, config);
    event('destroy');
  }
}

const [dir, home] = process.argv.slice(2);
if (dir && home) {
  supervise(path.resolve(dir), path.resolve(home)).catch((err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exitCode = 1;
  });
}
