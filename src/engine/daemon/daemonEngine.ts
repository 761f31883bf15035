import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import type {
  BuildEvent, BuildRequest, ContainerStats, ContainerSummary, Engine, EngineEvent, EngineInfo, HistoryEntry, ImageSummary, Inspected, LogChunk,
  LogOptions, NetworkSummary, Operation, PathStat, ProgressEvent, PruneResult, RegistryCredentials, RunRequest, TerminalSession, TransferOptions, VolumeSummary,
} from '../engine';
import { EngineError } from '../engine';
import type { EngineRequestListener } from '../engineRequests';
import { containerFromInspect, containerFromList, historyFromApi, imageFromApi, networkFromApi, pathStatFromHeader, statsFromApi, volumeFromApi } from './apiModel';
import { buildContext } from './buildContext';
import { parseBuildStream } from './buildStream';
import { demuxLogStream } from './logStream';
import { hijack } from './hijack';
import { DaemonTerminalSession } from './terminalSession';
import { daemonMessage, toEngineError } from './daemonErrors';
import type { DaemonEndpoint } from './endpoint';
import { parseEventStream } from './eventStream';
import { modemOptions } from './modemOptions';
import modemHttp from 'docker-modem/lib/http';
import { reported, reportRequests } from './requestLog';
import { isAuthFailure, parseProgressStream } from './progressStream';
import { familiarRepository, parseReference } from '../../core/registry/imageReference';

// The Engine API never redirects, but dockerd answers a path holding "//" (a name like "/tmp/x")
// with a 301. docker-modem follows it with a request nobody listens to, whose error would crash
// the process; with no redirects allowed it fails the request that was made instead.
modemHttp.maxRedirects = 0;

/** How long a plain request may take before it is reported as a failure (streams have no limit). */
const REQUEST_TIMEOUT_MS = 30_000;

const OPERATIONS: ReadonlySet<Operation> = new Set<Operation>([
  'startContainer', 'stopContainer', 'restartContainer', 'removeContainer', 'pauseContainer', 'unpauseContainer',
  'killContainer', 'runContainer', 'runTerminal', 'containerLogs', 'execTerminal', 'containerStats', 'containerArchive', 'pruneContainers',
  'pullImage', 'pushImage', 'tagImage', 'removeImage', 'imageHistory', 'saveImage', 'importImage', 'pruneImages', 'buildImage',
  'listNetworks', 'createNetwork', 'removeNetwork', 'pruneNetworks',
  'listVolumes', 'createVolume', 'removeVolume', 'pruneVolumes',
]);

/** An Engine over the Docker Engine API (Docker, or Podman's compatible service), through dockerode. */
export class DaemonEngine implements Engine {
  readonly endpoint: string;
  readonly capabilities = OPERATIONS;
  private readonly docker: Docker;
  private readonly lifetime = new AbortController();

  /** The connection pool of an ssh or unverified-TLS endpoint; its connections end with the engine. */
  private readonly agent?: { destroy(): void };

  /** How dockerode reaches the engine; also used for the hijacked connections made without it. */
  private readonly options: Docker.DockerOptions;

  /** `onRequest` hears of every request made to the engine, for the log. */
  constructor(endpoint: DaemonEndpoint, private readonly onRequest?: EngineRequestListener) {
    this.endpoint = endpoint.url;
    this.options = modemOptions(endpoint);
    this.agent = this.options.agent;
    this.docker = new Docker(this.options);
    if (onRequest) reportRequests(this.docker.modem, this.endpoint, onRequest);
  }

  async info(timeoutMs = REQUEST_TIMEOUT_MS): Promise<EngineInfo> {
    // dockerode 5 takes options here; @types/dockerode (written for 4) does not say so.
    const version = this.docker.version.bind(this.docker) as unknown as (options: { abortSignal: AbortSignal }) => Promise<Docker.DockerVersion>;
    const v = await this.call('reach the engine', (abortSignal) => version({ abortSignal }), timeoutMs);
    const components = (v as { Components?: { Name?: string }[] }).Components ?? [];
    const podman = components.some((c) => /podman/i.test(c.Name ?? ''));
    return {
      kind: podman ? 'podman' : 'docker',
      product: `${podman ? 'Podman' : 'Docker Engine'} ${v.Version}`,
      version: v.Version,
      apiVersion: v.ApiVersion,
      os: v.Os,
      arch: v.Arch,
    };
  }

  async listImages(): Promise<ImageSummary[]> {
    const images = await this.call('list images', (abortSignal) => this.docker.listImages({ abortSignal }));
    return images.map(imageFromApi);
  }

  async listContainers(): Promise<ContainerSummary[]> {
    const containers = await this.call('list containers', (abortSignal) => this.docker.listContainers({ all: true, abortSignal }));
    return containers.map(containerFromList);
  }

  async inspectImage(idOrRef: string): Promise<Inspected<ImageSummary>> {
    const raw = await this.call(`inspect image ${idOrRef}`, (abortSignal) => this.image(idOrRef).inspect({ abortSignal }));
    return { summary: imageFromApi(raw), raw };
  }

  async inspectContainer(idOrName: string): Promise<Inspected<ContainerSummary>> {
    const raw = await this.call(`inspect container ${idOrName}`, (abortSignal) => this.docker.getContainer(idOrName).inspect({ abortSignal }));
    return { summary: containerFromInspect(raw), raw };
  }

  async startContainer(id: string): Promise<void> {
    await this.call(`start container ${id}`, (abortSignal) => this.docker.getContainer(id).start({ abortSignal }));
  }

  async stopContainer(id: string, timeoutSeconds?: number): Promise<void> {
    await this.call(`stop container ${id}`, (abortSignal) => this.docker.getContainer(id).stop({ t: timeoutSeconds, abortSignal }), REQUEST_TIMEOUT_MS + (timeoutSeconds ?? 10) * 1000);
  }

  async restartContainer(id: string): Promise<void> {
    await this.call(`restart container ${id}`, (abortSignal) => this.docker.getContainer(id).restart({ abortSignal }));
  }

  async removeContainer(id: string, options: { force?: boolean } = {}): Promise<void> {
    await this.call(`remove container ${id}`, (abortSignal) => this.docker.getContainer(id).remove({ force: options.force, abortSignal }));
  }

  async pauseContainer(id: string): Promise<void> {
    await this.call(`pause container ${id}`, (abortSignal) => this.docker.getContainer(id).pause({ abortSignal }));
  }

  async unpauseContainer(id: string): Promise<void> {
    await this.call(`unpause container ${id}`, (abortSignal) => this.docker.getContainer(id).unpause({ abortSignal }));
  }

  async killContainer(id: string, signal = 'SIGKILL'): Promise<void> {
    await this.call(`kill container ${id}`, (abortSignal) => this.docker.getContainer(id).kill({ signal, abortSignal }));
  }

  async runContainer(request: RunRequest): Promise<string> {
    const container = await this.createContainer(request);
    await this.startContainer(container.id);
    return container.id;
  }

  async runTerminal(request: RunRequest, size: { columns: number; rows: number }): Promise<TerminalSession> {
    const container = await this.createContainer({ ...request, interactive: true });
    const attach = `/containers/${container.id}/attach?stream=1&stdin=1&stdout=1&stderr=1`;
    const stream = await this.call(`attach to ${container.id}`, (signal) =>
      reported(this.onRequest, this.endpoint, 'POST', attach, () => hijack(this.options, attach, signal)), 60_000);
    await this.startContainer(container.id);
    await container.resize({ w: size.columns, h: size.rows }).catch(() => undefined);
    return new DaemonTerminalSession(stream, (w, h) => container.resize({ w, h }), async () => ((await container.wait()) as { StatusCode?: number }).StatusCode);
  }

  private async createContainer(request: RunRequest): Promise<Docker.Container> {
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp?: string; HostPort?: string }[]> = {};
    for (const p of request.ports ?? []) {
      const key = `${p.containerPort}/${p.protocol ?? 'tcp'}`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostIp: p.hostIp ?? '', HostPort: p.hostPort ? String(p.hostPort) : '' });
    }
    const interactive = request.interactive ?? false;
    const container = await this.call(`create a container from ${request.image}`, (abortSignal) => this.docker.createContainer({
      Image: request.image,
      name: request.name || undefined,
      Cmd: request.command?.length ? [...request.command] : undefined,
      Env: request.env?.length ? [...request.env] : undefined,
      ExposedPorts: exposed,
      Tty: interactive,
      OpenStdin: interactive,
      AttachStdin: interactive,
      HostConfig: { PortBindings: bindings, Binds: request.volumes?.length ? [...request.volumes] : undefined },
      abortSignal,
    }));
    return container;
  }

  async *containerLogs(id: string, options: LogOptions = {}): AsyncGenerator<LogChunk> {
    const signal = AbortSignal.any([this.lifetime.signal, ...(options.signal ? [options.signal] : [])]);
    const container = this.docker.getContainer(id);
    const { summary, raw } = await this.inspectContainer(id);
    const tty = (raw as { Config?: { Tty?: boolean } }).Config?.Tty ?? false;
    const request = { follow: options.follow ?? false, stdout: true, stderr: true, timestamps: options.timestamps ?? false, tail: options.tail ?? 'all', abortSignal: signal };
    let stream: AsyncIterable<Buffer>;
    try {
      // With follow the API streams; without it dockerode buffers the body and gives a Buffer.
      const body = (await container.logs(request as Docker.ContainerLogsOptions & { follow: true })) as unknown as AsyncIterable<Buffer> | Buffer;
      stream = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    } catch (err) {
      throw toEngineError(err, this.endpoint, `read the logs of ${summary.name}`);
    }
    try {
      yield* demuxLogStream(stream, tty);
    } catch (err) {
      if (!signal.aborted) throw toEngineError(err, this.endpoint, `read the logs of ${summary.name}`);
    }
  }

  async execTerminal(id: string, command: readonly string[], size: { columns: number; rows: number }): Promise<TerminalSession> {
    const container = this.docker.getContainer(id);
    const exec = await this.call(`start ${command.join(' ')} in ${id}`, () => container.exec({
      Cmd: [...command], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: true,
      ConsoleSize: [size.rows, size.columns],
    }));
    const stream = await this.call(`attach to ${command.join(' ')} in ${id}`, () => exec.start({ hijack: true, stdin: true, Tty: true }));
    // ConsoleSize at create needs API 1.42; a resize works everywhere.
    await exec.resize({ w: size.columns, h: size.rows }).catch(() => undefined);
    return new DaemonTerminalSession(stream, (w, h) => exec.resize({ w, h }), () => execExitCode(exec));
  }

  async containerStats(id: string): Promise<ContainerStats> {
    const raw = await this.call(`read the stats of ${id}`, (abortSignal) => this.docker.getContainer(id).stats({ stream: false, abortSignal }));
    return statsFromApi(raw);
  }

  async containerArchive(id: string, path: string, signal?: AbortSignal): Promise<AsyncIterable<Buffer>> {
    const both = AbortSignal.any([this.lifetime.signal, ...(signal ? [signal] : [])]);
    try {
      return (await this.docker.getContainer(id).getArchive({ path, abortSignal: both })) as unknown as AsyncIterable<Buffer>;
    } catch (err) {
      throw toEngineError(err, this.endpoint, `read ${path} in container ${id}`);
    }
  }

  async containerPathStat(id: string, path: string): Promise<PathStat> {
    const res = await this.call(`look at ${path} in container ${id}`, (abortSignal) => this.docker.getContainer(id).infoArchive({ path, abortSignal }) as Promise<IncomingMessage>);
    res.resume();
    return pathStatFromHeader(res.headers['x-docker-container-path-stat'], path);
  }

  async pruneContainers(): Promise<PruneResult> {
    const r = await this.call('remove stopped containers', (abortSignal) => this.docker.pruneContainers({ abortSignal }));
    return { removed: r.ContainersDeleted ?? [], spaceReclaimed: r.SpaceReclaimed ?? 0 };
  }

  pullImage(reference: string, options: TransferOptions = {}): AsyncIterable<ProgressEvent> {
    // The API takes the whole reference (tag or digest included) in fromImage.
    return this.transfer(`pull ${reference}`, options, (abortSignal) =>
      this.docker.createImage(authConfig(options.credentials), { fromImage: reference, abortSignal }) as Promise<Readable>);
  }

  pushImage(reference: string, options: TransferOptions = {}): AsyncIterable<ProgressEvent> {
    const ref = parseReference(reference);
    return this.transfer(`push ${reference}`, options, (abortSignal) =>
      this.image(familiarRepository(ref)).push({ tag: ref.tag ?? 'latest', authconfig: authConfig(options.credentials), abortSignal }) as Promise<Readable>);
  }

  async tagImage(source: string, target: string): Promise<void> {
    const ref = parseReference(target);
    await this.call(`tag ${source} as ${target}`, (abortSignal) => this.image(source).tag({ repo: familiarRepository(ref), tag: ref.tag ?? 'latest', abortSignal }));
  }

  async removeImage(idOrRef: string, options: { force?: boolean } = {}): Promise<void> {
    await this.call(`remove image ${idOrRef}`, (abortSignal) => this.image(idOrRef).remove({ force: options.force, abortSignal }));
  }

  async imageHistory(idOrRef: string): Promise<HistoryEntry[]> {
    // dockerode takes no options here, so the request cannot be aborted; the timeout still reports it.
    const raw = await this.call(`read the history of ${idOrRef}`, () => this.image(idOrRef).history() as Promise<Parameters<typeof historyFromApi>[0][]>);
    return raw.map(historyFromApi);
  }

  async importImage(file: string, reference: string, options: { command?: readonly string[] } = {}): Promise<void> {
    const ref = parseReference(reference);
    const changes = options.command ? [`CMD ${JSON.stringify(options.command)}`] : [];
    // A file that is not there would read as a missing socket (ENOENT) once inside the request.
    await fs.promises.access(file, fs.constants.R_OK).catch((err: NodeJS.ErrnoException) => {
      throw new EngineError(`Cannot import ${file}: ${err.code === 'ENOENT' ? 'there is no such file' : err.message}.`, err.code === 'ENOENT' ? 'notFound' : 'failed');
    });
    // The tag goes inside repo: Podman ignores the tag parameter of an import.
    const progress = this.transfer(`import ${file} as ${reference}`, {}, (abortSignal) =>
      this.docker.importImage(file, { repo: `${familiarRepository(ref)}:${ref.tag ?? 'latest'}`, changes, abortSignal }) as Promise<Readable>);
    for await (const event of progress) void event;
  }

  async saveImage(reference: string, signal?: AbortSignal): Promise<AsyncIterable<Buffer>> {
    const both = AbortSignal.any([this.lifetime.signal, ...(signal ? [signal] : [])]);
    let stream: Readable;
    try {
      stream = (await this.image(reference).get()) as Readable;
    } catch (err) {
      throw toEngineError(err, this.endpoint, `save ${reference}`);
    }
    // dockerode takes no signal for this request: end the stream when asked to.
    both.addEventListener('abort', () => stream.destroy(), { once: true });
    return stream;
  }

  async pruneImages(options: { all?: boolean } = {}): Promise<PruneResult> {
    const r = await this.call('remove unused images', (abortSignal) =>
      this.docker.pruneImages({ filters: { dangling: [options.all ? 'false' : 'true'] }, abortSignal }), 5 * 60_000);
    return { removed: (r.ImagesDeleted ?? []).map((d) => d.Deleted ?? d.Untagged ?? '').filter(Boolean), spaceReclaimed: r.SpaceReclaimed ?? 0 };
  }

  async *buildImage(request: BuildRequest): AsyncGenerator<BuildEvent> {
    const signal = AbortSignal.any([this.lifetime.signal, ...(request.signal ? [request.signal] : [])]);
    const doing = `build ${request.dockerfile}`;
    let stream: Readable;
    try {
      // Only the options that are set: Podman answers 400 to an empty value (`target=`).
      const options = Object.fromEntries(Object.entries({
        dockerfile: request.dockerfile,
        t: request.tag,
        buildargs: request.buildArgs && Object.keys(request.buildArgs).length ? request.buildArgs : undefined,
        target: request.target,
        platform: request.platform,
        nocache: request.noCache || undefined,
      }).filter(([, v]) => v !== undefined && v !== ''));
      stream = (await this.docker.buildImage(await buildContext(request.context), { ...options, abortSignal: signal } as Docker.ImageBuildOptions)) as Readable;
    } catch (err) {
      throw toEngineError(err, this.endpoint, doing);
    }
    try {
      yield* parseBuildStream(stream, (message, step) => new EngineError(`Could not ${doing}${step ? ` (step ${step})` : ''}: ${message}`, 'failed', { cause: { step } }));
    } catch (err) {
      if (signal.aborted) throw new EngineError(`Cancelled: ${doing}.`, 'failed', { cause: err });
      throw toEngineError(err, this.endpoint, doing);
    } finally {
      stream.destroy();
    }
  }

  async listNetworks(): Promise<NetworkSummary[]> {
    const raw = await this.call('list networks', (abortSignal) => this.docker.listNetworks({ abortSignal }));
    return raw.map(networkFromApi);
  }

  async inspectNetwork(idOrName: string): Promise<Inspected<NetworkSummary>> {
    const raw = await this.call(`inspect network ${idOrName}`, (abortSignal) => this.docker.getNetwork(idOrName).inspect({ abortSignal }));
    return { summary: networkFromApi(raw), raw };
  }

  async createNetwork(name: string, options: { driver?: string } = {}): Promise<void> {
    await this.call(`create network ${name}`, (abortSignal) => this.docker.createNetwork({ Name: name, Driver: options.driver ?? 'bridge', CheckDuplicate: true, abortSignal }));
  }

  async removeNetwork(idOrName: string): Promise<void> {
    await this.call(`remove network ${idOrName}`, (abortSignal) => this.docker.getNetwork(idOrName).remove({ abortSignal }));
  }

  async pruneNetworks(): Promise<PruneResult> {
    const r = await this.call('remove unused networks', (abortSignal) => this.docker.pruneNetworks({ abortSignal }));
    return { removed: r.NetworksDeleted ?? [], spaceReclaimed: 0 };
  }

  async listVolumes(): Promise<VolumeSummary[]> {
    const raw = await this.call('list volumes', (abortSignal) => this.docker.listVolumes({ abortSignal }));
    return (raw.Volumes ?? []).map(volumeFromApi);
  }

  async inspectVolume(name: string): Promise<Inspected<VolumeSummary>> {
    const raw = await this.call(`inspect volume ${name}`, (abortSignal) => this.docker.getVolume(name).inspect({ abortSignal }));
    return { summary: volumeFromApi(raw), raw };
  }

  async createVolume(name: string): Promise<void> {
    await this.call(`create volume ${name}`, (abortSignal) => this.docker.createVolume({ Name: name, abortSignal } as Docker.VolumeCreateOptions));
  }

  async removeVolume(name: string, options: { force?: boolean } = {}): Promise<void> {
    await this.call(`remove volume ${name}`, (abortSignal) => this.docker.getVolume(name).remove({ force: options.force, abortSignal }));
  }

  async pruneVolumes(): Promise<PruneResult> {
    const r = await this.call('remove unused volumes', (abortSignal) => this.docker.pruneVolumes({ abortSignal }));
    return { removed: r.VolumesDeleted ?? [], spaceReclaimed: r.SpaceReclaimed ?? 0 };
  }

  async *events(signal: AbortSignal): AsyncGenerator<EngineEvent> {
    const both = AbortSignal.any([signal, this.lifetime.signal]);
    let stream: Readable;
    try {
      stream = (await this.docker.getEvents({ abortSignal: both })) as Readable;
    } catch (err) {
      if (both.aborted) return;
      throw toEngineError(err, this.endpoint, 'follow the event stream');
    }
    try {
      yield* parseEventStream(stream);
    } catch (err) {
      if (both.aborted) return;
      throw toEngineError(err, this.endpoint, 'follow the event stream');
    } finally {
      stream.destroy();
    }
    if (!both.aborted) {
      throw new EngineError(`The engine at ${this.endpoint} closed the event stream.`, 'unreachable');
    }
  }

  dispose(): void {
    this.lifetime.abort();
    this.agent?.destroy();
  }

  private async *transfer(doing: string, options: TransferOptions, start: (signal: AbortSignal) => Promise<Readable>): AsyncGenerator<ProgressEvent> {
    const signal = AbortSignal.any([this.lifetime.signal, ...(options.signal ? [options.signal] : [])]);
    const refused = (message: string) => new EngineError(
      `Could not ${doing}: ${message}.${options.credentials ? ' The registry refused the credentials.' : ' Log in to the registry first.'}`, 'auth');
    let stream: Readable;
    try {
      stream = await start(signal);
    } catch (err) {
      throw isAuthFailure(daemonMessage(err)) ? refused(daemonMessage(err)) : toEngineError(err, this.endpoint, doing);
    }
    try {
      yield* parseProgressStream(stream, (message) => (isAuthFailure(message) ? refused(message) : new EngineError(`Could not ${doing}: ${message}.`, 'failed')));
    } catch (err) {
      if (signal.aborted) throw new EngineError(`Cancelled: ${doing}.`, 'failed', { cause: err });
      throw toEngineError(err, this.endpoint, doing);
    } finally {
      stream.destroy();
    }
  }

  /** dockerd redirects a path with an empty, "." or ".." segment: such a name is refused before asking. */
  private image(name: string): Docker.Image {
    if (name.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
      throw new EngineError(`There is no image "${name}" on the engine: an image name cannot start or end with "/" or hold "//", "." or ".." segments.`, 'notFound');
    }
    return this.docker.getImage(name);
  }

  private async call<T>(doing: string, request: (signal: AbortSignal) => Promise<T>, timeoutMs = REQUEST_TIMEOUT_MS): Promise<T> {
    const signal = AbortSignal.any([this.lifetime.signal, AbortSignal.timeout(timeoutMs)]);
    try {
      return await request(signal);
    } catch (err) {
      if (signal.aborted && !this.lifetime.signal.aborted) {
        throw new EngineError(`The engine at ${this.endpoint} did not answer within ${Math.round(timeoutMs / 1000)} s (trying to ${doing}).`, 'unreachable', { cause: err });
      }
      throw toEngineError(err, this.endpoint, doing);
    }
  }
}

/**
 * An exec's exit code once it has ended. Docker's inspect says so as soon as the output ends;
 * Podman's may still say running (exit code 0) for a moment.
 */
async function execExitCode(exec: Docker.Exec): Promise<number | undefined> {
  for (let i = 0; i < 50; i++) {
    const info = await exec.inspect();
    if (!info.Running) return info.ExitCode ?? undefined;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

/** The daemon wants credentials as X-Registry-Auth; it never sees them otherwise. */
function authConfig(credentials?: RegistryCredentials): Docker.AuthConfig | undefined {
  return credentials && { username: credentials.username, password: credentials.password, serveraddress: credentials.serverAddress };
}
