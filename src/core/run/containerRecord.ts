import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../store/atomicFile';
import type { SandboxSpec } from './sandbox';

/** What a container was created with: `<home>/containers/<id>/config.json`, never changed after. */
export interface ContainerConfig {
  readonly id: string;
  readonly name: string;
  /** The image as the user named it. */
  readonly image: string;
  /** The image's config digest. */
  readonly imageId: string;
  /** The manifest digest its rootfs is made from. */
  readonly manifest: string;
  /** ISO 8601. */
  readonly created: string;
  readonly spec: Omit<SandboxSpec, 'rootfs'>;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly stopSignal: string;
  readonly autoRemove: boolean;
  readonly labels: Readonly<Record<string, string>>;
}

export type ContainerStatus = 'created' | 'running' | 'exited' | 'dead';

/** What happened to it: `state.json`, written by the supervisor (and the runner for stop requests). */
export interface ContainerState {
  readonly status: ContainerStatus;
  /** The supervisor's PID while running. */
  readonly supervisorPid?: number;
  /** The host PID of the container's PID 1 while running. */
  readonly pid?: number;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly exitCode?: number;
  readonly error?: string;
  /** Whether the rootfs is an overlay mount (else a copied tree). */
  readonly overlay?: boolean;
  readonly restartCount?: number;
}

/** The files of one container. */
export class ContainerPaths {
  constructor(readonly dir: string) {}
  get config(): string { return path.join(this.dir, 'config.json'); }
  get state(): string { return path.join(this.dir, 'state.json'); }
  get log(): string { return path.join(this.dir, 'log.jsonl'); }
  get upper(): string { return path.join(this.dir, 'upper'); }
  get work(): string { return path.join(this.dir, 'work'); }
  get merged(): string { return path.join(this.dir, 'merged'); }
  get supervisorLog(): string { return path.join(this.dir, 'supervisor.log'); }
  /** The signal number the runner last sent to PID 1 (see the supervisor's exit code). */
  get killSignal(): string { return path.join(this.dir, 'kill-signal'); }
}

export function containersDir(home: string): string {
  return path.join(home, 'containers');
}

export async function readConfig(paths: ContainerPaths): Promise<ContainerConfig> {
  return JSON.parse(await fs.readFile(paths.config, 'utf8')) as ContainerConfig;
}

export async function readState(paths: ContainerPaths): Promise<ContainerState> {
  try {
    return JSON.parse(await fs.readFile(paths.state, 'utf8')) as ContainerState;
  } catch {
    return { status: 'created' };
  }
}

export async function writeState(paths: ContainerPaths, state: ContainerState): Promise<void> {
  await writeFileAtomic(paths.state, JSON.stringify(state), paths.dir);
}

/** Whether `pid` is the supervisor of the container in `dir` (not a recycled PID). */
export async function isSupervisorAlive(pid: number | undefined, dir: string): Promise<boolean> {
  if (!pid) return false;
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.split('\0').includes(dir);
}
