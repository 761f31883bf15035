import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ImageStore } from '../store/imageStore';
import { containersDir, ContainerPaths, isSupervisorAlive, readConfig, readState, writeState, type ContainerConfig, type ContainerState } from './containerRecord';
import { nameLink, removeContainerFiles } from './containerFiles';
import { readLogs, type LogLine } from './containerLogs';
import { randomName, VALID_NAME } from './containerNames';
import { emitEvent, lastEvent, sleep } from './coreEvents';
import { PtyProcess } from './ptyProcess';
import { sandboxExecArgv, sandboxSupport, spawnInSandbox, type SandboxSpec } from './sandbox';

export type RunnerErrorReason = 'notFound' | 'conflict' | 'failed' | 'unavailable';

export class RunnerError extends Error {
  constructor(message: string, readonly reason: RunnerErrorReason, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RunnerError';
  }
}

/** What `docker create` takes, in the subset the core runs. */
export interface CreateRequest {
  readonly image: string;
  readonly name?: string;
  /** Replaces the image's CMD. */
  readonly command?: readonly string[];
  /** Replaces the image's ENTRYPOINT (and then its CMD too, as Docker does). */
  readonly entrypoint?: readonly string[];
  /** `KEY=value`, over the image's ENV. */
  readonly env?: readonly string[];
  readonly workdir?: string;
  readonly user?: string;
  readonly hostname?: string;
  readonly network?: 'none' | 'host';
  readonly autoRemove?: boolean;
  readonly labels?: Readonly<Record<string, string>>;
}

interface ImageRuntimeConfig {
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  WorkingDir?: string;
  User?: string;
  StopSignal?: string;
  Labels?: Record<string, string>;
}

export interface ExecOptions {
  readonly env?: readonly string[];
  readonly user?: string;
  readonly workdir?: string;
}

export interface ContainerRecord {
  readonly config: ContainerConfig;
  readonly state: ContainerState;
  readonly paths: ContainerPaths;
}

const ID = /^[a-f0-9]{64}$/;

/** Signal names as `kill` and Docker take them (`KILL`, `SIGKILL`, `9`) to what process.kill takes. */
export function signalName(signal: string): NodeJS.Signals | number {
  if (/^\d+$/.test(signal)) return Number(signal);
  const name = signal.toUpperCase();
  return (name.startsWith('SIG') ? name : `SIG${name}`) as NodeJS.Signals;
}

function mergeEnv(base: readonly string[], over: readonly string[]): string[] {
  const out = new Map<string, string>();
  for (const e of [...base, ...over]) {
    const eq = e.indexOf('=');
    if (eq > 0) out.set(e.slice(0, eq), e);
  }
  return [...out.values()];
}

/** The command that runs a supervisor: the bundled `containerSupervisor.js` beside this code, or the TypeScript source under tsx. */
function defaultSupervisor(): { argv: string[]; cwd: string } {
  const js = path.join(__dirname, 'containerSupervisor.js');
  if (fs.existsSync(js)) return { argv: [process.execPath, js], cwd: '/' };
  const ts = path.join(__dirname, 'containerSupervisor.ts');
  if (fs.existsSync(ts)) return { argv: [process.execPath, '--import', 'tsx', ts], cwd: path.resolve(__dirname, '../../..') };
  throw new RunnerError(`the container supervisor is missing beside ${__dirname}`, 'failed');
}

/**
 * Containers of the bundled core under `<home>/containers/<id>/`: config.json (what it was created
 * with), state.json and log.jsonl (written by its supervisor process), upper/work/merged (its
 * rootfs). Every method reads the disk, so any process (CLI, extension, a later VS Code) sees
 * the same containers.
 */
export class ContainerRunner {
  private readonly dir: string;

  constructor(readonly home: string, private readonly store: ImageStore, private readonly supervisor = defaultSupervisor) {
    this.dir = containersDir(home);
  }

  async create(request: CreateRequest): Promise<ContainerConfig> {
    const descriptor = await this.store.resolve(request.image);
    if (!descriptor) throw new RunnerError(`No such image: ${request.image}`, 'notFound');
    const { manifest, descriptor: manifestDescriptor } = await this.store.resolveManifest(descriptor);
    const image = await this.store.readJson<{ config?: ImageRuntimeConfig }>(manifest.config.digest);
    const runtime = image.config ?? {};
    const id = randomBytes(32).toString('hex');
    const name = request.name ?? randomName();
    if (!VALID_NAME.test(name)) throw new RunnerError(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`, 'failed');
    const entrypoint = request.entrypoint ?? runtime.Entrypoint ?? [];
    const cmd = request.command ?? (request.entrypoint ? [] : runtime.Cmd ?? []);
    const config: ContainerConfig = {
      id,
      name,
      image: request.image,
      imageId: manifest.config.digest,
      manifest: manifestDescriptor.digest,
      created: new Date().toISOString(),
      spec: {
        argv: [...entrypoint, ...cmd],
        env: mergeEnv(runtime.Env ?? [], request.env ?? []),
        cwd: request.workdir ?? (runtime.WorkingDir || '/'),
        user: request.user ?? runtime.User ?? '',
        hostname: request.hostname ?? id.slice(0, 12),
        network: request.network ?? 'none',
      },
      entrypoint,
      cmd,
      stopSignal: runtime.StopSignal ?? 'SIGTERM',
      autoRemove: request.autoRemove ?? false,
      labels: { ...(runtime.Labels ?? {}), ...(request.labels ?? {}) },
    };
    if (!config.spec.argv.length) throw new RunnerError('No command specified: the image has no CMD or ENTRYPOINT', 'failed');
    await fsp.mkdir(path.dirname(nameLink(this.home, name)), { recursive: true });
    try {
      await fsp.symlink(id, nameLink(this.home, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const other = await fsp.readlink(nameLink(this.home, name)).catch(() => '?');
      throw new RunnerError(`Conflict. The container name "/${name}" is already in use by container "${other}". You have to remove (or rename) that container to be able to reuse that name.`, 'conflict');
    }
    const paths = new ContainerPaths(path.join(this.dir, id));
    await fsp.mkdir(paths.dir, { recursive: true });
    await fsp.writeFile(paths.config, JSON.stringify(config, null, 2));
    await fsp.writeFile(paths.log, '');
    await writeState(paths, { status: 'created' });
    this.event('create', config);
    return config;
  }

  /** Starts the container's supervisor and waits until the process runs (or failed to). */
  async start(idOrName: string): Promise<ContainerState> {
    const support = sandboxSupport();
    if (!support.ok) throw new RunnerError(`Cannot run containers here: ${support.reason}`, 'unavailable');
    const { config, state, paths } = await this.get(idOrName);
    if (state.status === 'running') return state;
    const restartCount = state.status === 'created' ? 0 : (state.restartCount ?? 0) + (state.startedAt ? 1 : 0);
    await writeState(paths, { status: 'created', restartCount });
    const { argv, cwd } = this.supervisor();
    const out = fs.openSync(paths.supervisorLog, 'a');
    // Its stdin is a pipe from here: the supervisor stops setting up when it closes first (this
    // process gave up waiting, or died), rather than preparing a container nobody waits for.
    const child = spawn(argv[0], [...argv.slice(1), paths.dir, this.home], { detached: true, cwd, stdio: ['pipe', out, out], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    fs.closeSync(out);
    child.unref();
    child.stdin!.on('error', () => undefined);
    try {
      for (let waited = 0; waited < 60_000; waited += 50) {
        const now = config.autoRemove && !fs.existsSync(paths.dir) ? { status: 'exited' as const, error: lastEvent(this.home, (e) => e.id === config.id && e.action === 'die')?.attributes.error } : await readState(paths);
        if (now.status !== 'created') {
          if (now.error) throw new RunnerError(`Error starting container ${config.name}: ${now.error}`, 'failed');
          return now;
        }
        if (child.exitCode !== null) break;
        await sleep(50);
      }
    } finally {
      child.stdin!.destroy();
    }
    const log = await fsp.readFile(paths.supervisorLog, 'utf8').catch(() => '');
    throw new RunnerError(`the container ${config.name} did not start${log ? `: ${log.trim().split('\n').slice(-3).join(' ')}` : ''}`, 'failed');
  }

  /** Sends the image's stop signal, waits `timeoutSeconds`, then kills. */
  async stop(idOrName: string, timeoutSeconds = 10): Promise<void> {
    const record = await this.get(idOrName);
    if (record.state.status !== 'running') return;
    this.signal(record, signalName(record.config.stopSignal));
    if (!(await this.waitStopped(record.paths, timeoutSeconds * 1000))) {
      this.signal(record, 'SIGKILL');
      await this.waitStopped(record.paths, 10_000);
    }
    this.event('stop', record.config);
  }

  async kill(idOrName: string, signal = 'SIGKILL'): Promise<void> {
    const record = await this.get(idOrName);
    if (record.state.status !== 'running') throw new RunnerError(`Cannot kill container: ${record.config.name}: container is not running`, 'conflict');
    this.signal(record, signalName(signal));
    this.event('kill', record.config, { signal });
  }

  async restart(idOrName: string, timeoutSeconds = 10): Promise<void> {
    await this.stop(idOrName, timeoutSeconds);
    await this.start(idOrName);
    this.event('restart', (await this.get(idOrName)).config);
  }

  async remove(idOrName: string, options: { force?: boolean } = {}): Promise<void> {
    const record = await this.get(idOrName);
    if (record.state.status === 'running') {
      if (!options.force) throw new RunnerError(`You cannot remove a running container ${record.config.id}. Stop the container before attempting removal or force remove`, 'conflict');
      this.signal(record, 'SIGKILL');
      await this.waitStopped(record.paths, 10_000);
    }
    for (let i = 0; i < 100 && (await isSupervisorAlive(record.state.supervisorPid, record.paths.dir)); i++) await sleep(50);
    try {
      await removeContainerFiles(this.home, record.paths, record.config);
    } catch (err) {
      throw new RunnerError(`Error removing container ${record.config.name}: ${(err as Error).message}; it stays listed as dead until "stevedore rm" succeeds`, 'failed', { cause: err });
    }
    this.event('destroy', record.config);
  }

  async *logs(idOrName: string, options: { follow?: boolean; tail?: number; signal?: AbortSignal } = {}): AsyncGenerator<LogLine> {
    yield* await this.openLogs(idOrName, options);
  }

  /** The log, opened now: for `run` without `-d`, opened before the start so a `--rm` container's output is read whole. */
  async openLogs(idOrName: string, options: { follow?: boolean; tail?: number; signal?: AbortSignal } = {}): Promise<AsyncGenerator<LogLine>> {
    const { paths } = await this.get(idOrName);
    const fd = fs.openSync(paths.log, 'r');
    const running = async () => fs.existsSync(paths.state) && (await this.currentState(paths)).status !== 'exited';
    return readLogs(fd, { ...options, running });
  }

  /** Starts `argv` in the running container (`docker exec`), with stdio pipes. */
  async exec(idOrName: string, argv: readonly string[], options: ExecOptions = {}): Promise<ChildProcess> {
    const { pid, spec } = await this.execSpec(idOrName, argv, options);
    return spawnInSandbox(pid, spec);
  }

  /** `docker exec -it`: `argv` in the running container on a pseudo-terminal of `size`. */
  async execTerminal(idOrName: string, argv: readonly string[], size: { columns: number; rows: number }, options: ExecOptions = {}): Promise<PtyProcess> {
    const { pid, spec } = await this.execSpec(idOrName, argv, { ...options, env: ['TERM=xterm-256color', ...(options.env ?? [])] });
    return new PtyProcess(sandboxExecArgv(pid, spec), size);
  }

  private async execSpec(idOrName: string, argv: readonly string[], options: ExecOptions): Promise<{ pid: number; spec: SandboxSpec }> {
    const { config, state, paths } = await this.get(idOrName);
    if (state.status !== 'running' || !state.pid) throw new RunnerError(`Container ${config.id} is not running`, 'conflict');
    if (!argv.length) throw new RunnerError('No exec command specified', 'failed');
    return { pid: state.pid, spec: {
      ...config.spec,
      rootfs: state.overlay === false ? paths.upper : paths.merged,
      argv: [...argv],
      env: mergeEnv(config.spec.env, options.env ?? []),
      user: options.user ?? config.spec.user,
      cwd: options.workdir ?? config.spec.cwd,
    } };
  }

  /** The container's root filesystem as the host sees it: while running, or always for a copied tree. */
  async rootfsOf(idOrName: string): Promise<string> {
    const { config, state, paths } = await this.get(idOrName);
    if (state.overlay === false) return paths.upper;
    if (state.status === 'running') return paths.merged;
    throw new RunnerError(`The files of ${config.name} can be read while it runs (its overlay is mounted only then); start it first.`, 'conflict');
  }

  /** Every container (running ones only unless `all`), newest first. */
  async list(options: { all?: boolean } = {}): Promise<ContainerRecord[]> {
    const ids = (await fsp.readdir(this.dir).catch(() => [] as string[])).filter((n) => ID.test(n));
    const records: ContainerRecord[] = [];
    for (const id of ids) {
      const record = await this.load(id).catch(() => undefined);
      if (record && (options.all || record.state.status === 'running')) records.push(record);
    }
    return records.sort((a, b) => b.config.created.localeCompare(a.config.created));
  }

  /** One container by id, unique id prefix or name. */
  async get(idOrName: string): Promise<ContainerRecord> {
    const byName = await fsp.readlink(nameLink(this.home, idOrName.replace(/^\//, ''))).catch(() => undefined);
    if (byName && ID.test(byName)) {
      const record = await this.load(byName).catch(() => undefined);
      if (record) return record;
    }
    if (/^[a-f0-9]+$/.test(idOrName)) {
      const ids = (await fsp.readdir(this.dir).catch(() => [] as string[])).filter((n) => ID.test(n) && n.startsWith(idOrName));
      if (ids.length > 1) throw new RunnerError(`Multiple IDs found with provided prefix: ${idOrName}`, 'conflict');
      if (ids.length === 1) return this.load(ids[0]);
    }
    throw new RunnerError(`No such container: ${idOrName}`, 'notFound');
  }

  /** `docker inspect` JSON of a container. */
  async inspect(idOrName: string): Promise<{ Id: string } & Record<string, unknown>> {
    const { config, state, paths } = await this.get(idOrName);
    const overlay = state.overlay !== false;
    return {
      Id: config.id,
      Created: config.created,
      Path: config.spec.argv[0],
      Args: config.spec.argv.slice(1),
      State: {
        Status: state.status,
        Running: state.status === 'running',
        Paused: false,
        Restarting: false,
        OOMKilled: false,
        Dead: state.status === 'dead',
        Pid: state.status === 'running' ? (state.pid ?? 0) : 0,
        ExitCode: state.exitCode ?? 0,
        Error: state.error ?? '',
        StartedAt: state.startedAt ?? '0001-01-01T00:00:00Z',
        FinishedAt: state.finishedAt ?? '0001-01-01T00:00:00Z',
      },
      Image: config.imageId,
      LogPath: paths.log,
      Name: `/${config.name}`,
      RestartCount: state.restartCount ?? 0,
      Driver: overlay ? 'overlay' : 'copy',
      Platform: 'linux',
      HostConfig: { NetworkMode: config.spec.network, AutoRemove: config.autoRemove },
      GraphDriver: { Name: overlay ? 'overlay' : 'copy', Data: overlay ? { UpperDir: paths.upper, WorkDir: paths.work, MergedDir: paths.merged } : { Dir: paths.upper } },
      Mounts: [],
      Config: {
        Hostname: config.spec.hostname,
        User: config.spec.user ?? '',
        Env: config.spec.env,
        Cmd: config.cmd,
        Entrypoint: config.entrypoint.length ? config.entrypoint : null,
        Image: config.image,
        WorkingDir: config.spec.cwd,
        Labels: config.labels,
        StopSignal: config.stopSignal,
        Tty: false,
        OpenStdin: false,
      },
      NetworkSettings: { Networks: { [config.spec.network]: {} }, Ports: {} },
    };
  }

  private async load(id: string): Promise<ContainerRecord> {
    const paths = new ContainerPaths(path.join(this.dir, id));
    const config = await readConfig(paths);
    return { config, state: await this.currentState(paths), paths };
  }

  /** The state on disk, corrected when its supervisor died without writing the exit (killed, machine rebooted). */
  private async currentState(paths: ContainerPaths): Promise<ContainerState> {
    const state = await readState(paths);
    if (state.status !== 'running' || (await isSupervisorAlive(state.supervisorPid, paths.dir))) return state;
    const again = await readState(paths);
    if (again.status !== 'running') return again;
    const fixed: ContainerState = { ...again, status: 'exited', exitCode: 255, finishedAt: new Date().toISOString(), error: 'the container supervisor ended without recording an exit (killed, or the machine restarted)' };
    await writeState(paths, fixed);
    return fixed;
  }

  private signal(record: ContainerRecord, signal: NodeJS.Signals | number): void {
    if (!record.state.pid) return;
    const number = typeof signal === 'number' ? signal : os.constants.signals[signal];
    if (number === undefined) throw new RunnerError(`Invalid signal: ${signal}`, 'failed');
    fs.writeFileSync(record.paths.killSignal, String(number));
    try {
      process.kill(record.state.pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw new RunnerError(`cannot signal container ${record.config.name}: ${(err as Error).message}`, 'failed');
    }
  }

  private async waitStopped(paths: ContainerPaths, ms: number): Promise<boolean> {
    for (let waited = 0; waited <= ms; waited += 50) {
      if ((await this.currentState(paths)).status !== 'running') return true;
      await sleep(50);
    }
    return false;
  }

  private event(action: string, config: ContainerConfig, attributes: Record<string, string> = {}): void {
    emitEvent(this.home, { type: 'container', action, id: config.id, attributes: { name: config.name, image: config.image, ...attributes } });
  }
}
