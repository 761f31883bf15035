// A dockerd of the benchmark's own (its own socket, data and exec roots and bridge link), so the
// figures are not disturbed by, and do not disturb, anything else using the test services' daemon.
// Not `--bridge=none`: a dockerd started so deletes the docker0 link other daemons use.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface BenchDaemon {
  readonly host: string;
  readonly pid: number;
  docker(...args: string[]): string;
  stop(): Promise<void>;
}

export async function startBenchDaemon(): Promise<BenchDaemon> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-bench-dockerd-'));
  const socket = path.join(root, 'docker.sock');
  const host = `unix://${socket}`;
  const bridge = `stvbench${process.pid.toString(16).slice(-4)}`;
  execFileSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
  const child: ChildProcess = spawn('dockerd', [
    '-H', host, '--data-root', path.join(root, 'data'), '--exec-root', path.join(root, 'exec'), '--pidfile', path.join(root, 'dockerd.pid'),
    '--bridge', bridge, '--iptables=false', '--ip-forward=false', '--ip-masq=false',
  ], { stdio: ['ignore', 'ignore', fs.openSync(path.join(root, 'dockerd.log'), 'w')] });
  const docker = (...args: string[]) => execFileSync('docker', ['-H', host, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 }).trim();
  for (let i = 0; i < 300; i++) {
    try {
      docker('version');
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  docker('version');
  return {
    host,
    pid: child.pid!,
    docker,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      for (const line of fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((m) => m?.startsWith(root)).reverse()) {
        try {
          execFileSync('umount', ['-l', line]);
        } catch {
          // already gone
        }
      }
      fs.rmSync(root, { recursive: true, force: true });
      spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
    },
  };
}

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** CPU time (user + system, ms) a process has used so far. */
export function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}
