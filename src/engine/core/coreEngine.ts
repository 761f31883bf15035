import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buildImage } from '../../core/build/buildImage';
import { ContainerRunner, RunnerError, type CreateRequest } from '../../core/run/containerRunner';
import { emitEvent, followEvents } from '../../core/run/coreEvents';
import { archiveRootfsPath, statRootfsPath } from '../../core/run/rootfsArchive';
import { sandboxSupport } from '../../core/run/sandbox';
import { RegistryClient, type RegistryClientOptions } from '../../core/registry/registryClient';
import { RegistryError } from '../../core/registry/registryError';
import { parseReference, withDefaultTag } from '../../core/registry/imageReference';
import { saveImages } from '../../core/store/archiveSave';
import { hostPlatform } from '../../core/store/descriptor';
import { collectGarbage } from '../../core/store/garbageCollection';
import { inspectImage } from '../../core/store/imageInspect';
import { removeImage } from '../../core/store/imageRemoval';
import { importRootfs } from '../../core/store/rootfsImport';
import { ImageStore, normalizeRef } from '../../core/store/imageStore';
import { StoreError } from '../../core/store/storeErrors';
import { stevedoreHome } from '../../core/store/storeHome';
import { pullImage } from '../../core/transfer/pullImage';
import { pushImage } from '../../core/transfer/pushImage';
import { containerFromInspect } from '../daemon/apiModel';
import {
  EngineError, type BuildEvent, type ContainerStats, type ContainerSummary, type Engine, type EngineErrorReason, type EngineEvent, type EngineInfo, type HistoryEntry, type ImageSummary,
  type BuildRequest, type Inspected, type LogChunk, type LogOptions, type NetworkSummary, type Operation, type PathStat, type ProgressEvent, type PruneResult, type RunRequest, type TerminalSession,
  type TransferOptions, type VolumeSummary,
} from '../engine';
import { historyEntries, imageSummary } from './coreImages';
import { CoreTerminalSession } from './coreTerminal';

export interface CoreEngineOptions {
  /** Default: stevedoreHome() ($STEVEDORE_HOME, else $XDG_DATA_HOME/stevedore). */
  readonly home?: string;
  readonly registry?: RegistryClientOptions;
  /** How a container supervisor is started (tests run it from the TypeScript source). */
  readonly supervisor?: () => { argv: string[]; cwd: string };
}

const IMAGE_OPERATIONS: readonly Operation[] = ['pullImage', 'pushImage', 'tagImage', 'removeImage', 'imageHistory', 'saveImage', 'importImage', 'pruneImages'];
/** Building needs the sandbox too (RUN steps). */
const CONTAINER_OPERATIONS: readonly Operation[] = ['buildImage', 'execTerminal', 'containerArchive', 'startContainer', 'stopContainer', 'restartContainer', 'removeContainer', 'killContainer', 'runContainer', 'containerLogs', 'pruneContainers'];

/** The networks a core container can have: no bridge, so none or the host's. */
const NETWORKS: readonly NetworkSummary[] = ['none', 'host'].map((name) => ({ id: name, name, driver: name === 'host' ? 'host' : 'null', scope: 'local', created: 0, internal: name === 'none', labels: {} }));

function engineError(err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  const message = err instanceof Error ? err.message : String(err);
  let reason: EngineErrorReason = 'failed';
  if (err instanceof RunnerError) reason = err.reason === 'unavailable' ? 'failed' : err.reason;
  else if (err instanceof RegistryError) reason = err.reason === 'auth' || err.reason === 'denied' ? 'auth' : err.reason === 'not-found' ? 'notFound' : err.reason === 'tls' ? 'tls' : err.reason === 'unreachable' ? 'unreachable' : 'failed';
  else if (err instanceof StoreError && /^no such image/i.test(message)) reason = 'notFound';
  return new EngineError(message, reason, { cause: err });
}

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw engineError(err);
  }
}

/**
 * The bundled engine: the Engine contract over the core's image store, registry client and
 * container runner, with no daemon. State lives under `home`, so every process (extension, CLI,
 * a VS Code started later) sees the same images and containers; events go through
 * `<home>/events.jsonl` for the same reason.
 */
export class CoreEngine implements Engine {
  readonly endpoint = 'bundled';
  readonly capabilities: ReadonlySet<Operation>;
  readonly home: string;
  private storePromise: Promise<ImageStore> | undefined;
  private runnerPromise: Promise<ContainerRunner> | undefined;

  constructor(private readonly options: CoreEngineOptions = {}) {
    this.home = path.resolve(options.home ?? stevedoreHome());
    this.capabilities = new Set([...IMAGE_OPERATIONS, ...(sandboxSupport().ok ? CONTAINER_OPERATIONS : [])]);
  }

  /** Why containers cannot run here (macOS, Windows, no user namespaces), or undefined. */
  containersUnavailable(): string | undefined {
    const support = sandboxSupport();
    return support.ok ? undefined : support.reason;
  }

  store(): Promise<ImageStore> {
    return (this.storePromise ??= ImageStore.open(this.home));
  }

  runner(): Promise<ContainerRunner> {
    return (this.runnerPromise ??= this.store().then((store) => new ContainerRunner(this.home, store, this.options.supervisor)));
  }

  info(): Promise<EngineInfo> {
    return guard(async () => {
      await this.store();
      const platform = hostPlatform();
      return { kind: 'core', product: 'Stevedore bundled core', version: '1', apiVersion: 'none (no daemon)', os: platform.os, arch: platform.architecture };
    });
  }

  listImages(): Promise<ImageSummary[]> {
    return guard(async () => (await (await this.store()).list()).map(imageSummary));
  }

  listContainers(): Promise<ContainerSummary[]> {
    return guard(async () => {
      const runner = await this.runner();
      const out: ContainerSummary[] = [];
      for (const record of await runner.list({ all: true })) out.push(containerFromInspect(await runner.inspect(record.config.id)));
      return out;
    });
  }

  inspectImage(idOrRef: string): Promise<Inspected<ImageSummary>> {
    return guard(async () => {
      const store = await this.store();
      const image = await inspectImage(store, idOrRef);
      const summary = (await store.list()).find((i) => i.manifest.digest === image.descriptor.digest);
      const raw = {
        Id: image.id,
        RepoTags: summary ? imageSummary(summary).tags : [],
        RepoDigests: summary ? imageSummary(summary).digests : [],
        Created: image.created,
        Size: image.size,
        Architecture: image.platform?.architecture,
        Os: image.platform?.os,
        Config: image.config.config ?? {},
        RootFS: { Type: 'layers', Layers: image.layers.map((l) => l.diffId) },
        Metadata: { Manifest: image.manifest.digest },
      };
      return { summary: summary ? imageSummary(summary) : { id: image.id, tags: [], digests: [], size: image.size, created: image.created ? Date.parse(image.created) : 0 }, raw };
    });
  }

  inspectContainer(idOrName: string): Promise<Inspected<ContainerSummary>> {
    return guard(async () => {
      const raw = await (await this.runner()).inspect(idOrName);
      return { summary: containerFromInspect(raw), raw };
    });
  }

  startContainer(id: string): Promise<void> {
    return guard(async () => void (await (await this.runner()).start(id)));
  }

  stopContainer(id: string, timeoutSeconds?: number): Promise<void> {
    return guard(async () => (await this.runner()).stop(id, timeoutSeconds));
  }

  restartContainer(id: string): Promise<void> {
    return guard(async () => (await this.runner()).restart(id));
  }

  removeContainer(id: string, options?: { force?: boolean }): Promise<void> {
    return guard(async () => (await this.runner()).remove(id, options));
  }

  pauseContainer(): Promise<void> {
    return Promise.reject(new EngineError('The bundled engine cannot pause containers (it has no cgroup freezer).', 'failed'));
  }

  unpauseContainer(): Promise<void> {
    return this.pauseContainer();
  }

  killContainer(id: string, signal?: string): Promise<void> {
    return guard(async () => (await this.runner()).kill(id, signal));
  }

  /** `docker create` + `docker start` with the core's options (network, user, workdir, --rm...). */
  createAndStart(request: CreateRequest): Promise<string> {
    return guard(async () => {
      const runner = await this.runner();
      const config = await runner.create(request);
      await runner.start(config.id);
      return config.id;
    });
  }

  runContainer(request: RunRequest): Promise<string> {
    if (request.ports?.length) return Promise.reject(new EngineError('The bundled engine cannot publish ports: its containers use the host network, where a server is reachable on its own port.', 'failed'));
    if (request.volumes?.length) return Promise.reject(new EngineError('The bundled engine cannot mount volumes yet.', 'failed'));
    if (request.interactive) return Promise.reject(new EngineError('The bundled engine cannot give a container a terminal yet; run it detached and read its logs.', 'failed'));
    return this.createAndStart({ image: request.image, name: request.name, env: request.env, command: request.command, network: 'host' });
  }

  runTerminal(): Promise<TerminalSession> {
    return Promise.reject(new EngineError('The bundled engine cannot give a container a terminal yet; run it detached and read its logs.', 'failed'));
  }

  async *containerLogs(id: string, options: LogOptions = {}): AsyncIterable<LogChunk> {
    const runner = await guard(() => this.runner());
    try {
      for await (const line of runner.logs(id, options)) yield { stream: line.stream, text: options.timestamps ? `${line.time} ${line.log}` : line.log };
    } catch (err) {
      throw engineError(err);
    }
  }

  execTerminal(id: string, command: readonly string[], size: { columns: number; rows: number }): Promise<TerminalSession> {
    return guard(async () => new CoreTerminalSession(await (await this.runner()).execTerminal(id, command, size)));
  }

  containerStats(): Promise<ContainerStats> {
    return Promise.reject(new EngineError('The bundled engine keeps no CPU or memory statistics (it sets up no cgroups).', 'failed'));
  }

  containerArchive(id: string, containerPath: string, signal?: AbortSignal): Promise<AsyncIterable<Buffer>> {
    return guard(async () => {
      const rootfs = await (await this.runner()).rootfsOf(id);
      pathStat(rootfs, id, containerPath);
      return archiveRootfsPath(rootfs, containerPath, signal);
    });
  }

  containerPathStat(id: string, containerPath: string): Promise<PathStat> {
    return guard(async () => pathStat(await (await this.runner()).rootfsOf(id), id, containerPath));
  }

  pruneContainers(): Promise<PruneResult> {
    return guard(async () => {
      const runner = await this.runner();
      const removed: string[] = [];
      for (const record of await runner.list({ all: true })) {
        if (record.state.status === 'running') continue;
        await runner.remove(record.config.id);
        removed.push(record.config.id);
      }
      return { removed, spaceReclaimed: 0 };
    });
  }

  pullImage(reference: string, options: TransferOptions = {}): AsyncIterable<ProgressEvent> {
    return streamed<ProgressEvent>(async (push) => {
      const ref = withDefaultTag(parseReference(reference));
      const result = await pullImage(this.client(options), await this.store(), ref, { onProgress: (e) => push(e), signal: options.signal });
      push({ status: `Digest: ${result.descriptor.digest}` });
      emitEvent(this.home, { type: 'image', action: 'pull', id: result.id, attributes: { name: normalizeRef(reference) } });
    });
  }

  async *pushImage(reference: string, options: TransferOptions = {}): AsyncIterable<ProgressEvent> {
    const events: ProgressEvent[] = [];
    const ref = withDefaultTag(parseReference(reference));
    const digest = await guard(async () => pushImage(this.client(options), await this.store(), ref, { onProgress: (e) => events.push(e) }));
    yield* events;
    yield { status: `${ref.tag ?? 'latest'}: digest: ${digest}` };
    emitEvent(this.home, { type: 'image', action: 'push', id: digest, attributes: { name: normalizeRef(reference) } });
  }

  tagImage(source: string, target: string): Promise<void> {
    return guard(async () => {
      const store = await this.store();
      const descriptor = await store.resolve(source);
      if (!descriptor) throw new StoreError(`No such image: ${source}`);
      await store.tag(target, descriptor);
      emitEvent(this.home, { type: 'image', action: 'tag', id: descriptor.digest, attributes: { name: normalizeRef(target) } });
    });
  }

  removeImage(idOrRef: string, options: { force?: boolean } = {}): Promise<void> {
    return guard(async () => {
      const store = await this.store();
      const image = await inspectImage(store, idOrRef);
      const users = (await (await this.runner()).list({ all: true })).filter((c) => c.config.imageId === image.id);
      if (users.length && !options.force && image.refs.length <= 1) {
        throw new EngineError(`conflict: unable to remove image ${idOrRef}: container ${users[0].config.id.slice(0, 12)} (${users[0].config.name}) uses it`, 'conflict');
      }
      const removal = await removeImage(store, idOrRef, options);
      for (const name of removal.untagged) emitEvent(this.home, { type: 'image', action: 'untag', id: image.id, attributes: { name } });
      if (removal.deleted) emitEvent(this.home, { type: 'image', action: 'delete', id: image.id, attributes: {} });
    });
  }

  imageHistory(idOrRef: string): Promise<HistoryEntry[]> {
    return guard(async () => historyEntries(await inspectImage(await this.store(), idOrRef)));
  }

  saveImage(reference: string): Promise<AsyncIterable<Buffer>> {
    return guard(async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-save-'));
      const file = path.join(dir, 'image.tar');
      await saveImages(await this.store(), [reference], file);
      const stream = fs.createReadStream(file);
      stream.on('close', () => fs.rmSync(dir, { recursive: true, force: true }));
      return Readable.from(stream) as AsyncIterable<Buffer>;
    });
  }

  importImage(file: string, reference: string, options: { command?: readonly string[] } = {}): Promise<void> {
    return guard(async () => {
      const imported = await importRootfs(await this.store(), file, { ref: reference, command: options.command });
      emitEvent(this.home, { type: 'image', action: 'import', id: imported.id, attributes: { name: normalizeRef(reference) } });
    });
  }

  pruneImages(options: { all?: boolean } = {}): Promise<PruneResult> {
    return guard(async () => {
      const store = await this.store();
      const used = new Set((await (await this.runner()).list({ all: true })).map((c) => c.config.imageId));
      const removed: string[] = [];
      for (const image of await store.list()) {
        if (used.has(image.id) || (image.refs.length && !options.all)) continue;
        await removeImage(store, image.manifest.digest, { force: true });
        emitEvent(this.home, { type: 'image', action: 'delete', id: image.id, attributes: {} });
        removed.push(image.id);
      }
      const gc = await collectGarbage(store, { graceMs: 0 });
      return { removed, spaceReclaimed: gc.freedBytes };
    });
  }

  /** The core builder (src/core/build/); RUN steps run in the same sandbox as containers. */
  buildImage(request: BuildRequest): AsyncIterable<BuildEvent> {
    return streamed<BuildEvent>(async (push) => {
      const tags = request.tag ? [request.tag] : [];
      const result = await buildImage(await this.store(), {
        contextDir: request.context,
        dockerfile: path.resolve(request.context, request.dockerfile),
        tags,
        target: request.target,
        buildArgs: request.buildArgs ? { ...request.buildArgs } : undefined,
        noCache: request.noCache,
        platform: request.platform,
        signal: request.signal,
        registry: this.client({}),
        onEvent: (e) => {
          if (e.kind === 'step') push({ kind: 'step', step: e.step, total: e.total, instruction: e.instruction });
          else if (e.kind === 'cached') push({ kind: 'output', text: ' ---> Using cache\n' });
          else if (e.kind === 'output') push({ kind: 'output', text: e.text });
        },
      });
      for (const tag of tags) emitEvent(this.home, { type: 'image', action: 'tag', id: result.imageId, attributes: { name: normalizeRef(tag) } });
      push({ kind: 'done', imageId: result.imageId });
    });
  }

  listNetworks(): Promise<NetworkSummary[]> {
    return Promise.resolve([...NETWORKS]);
  }

  inspectNetwork(idOrName: string): Promise<Inspected<NetworkSummary>> {
    const network = NETWORKS.find((n) => n.name === idOrName);
    return network ? Promise.resolve({ summary: network, raw: { Name: network.name, Id: network.id, Driver: network.driver, Scope: 'local' } }) : Promise.reject(new EngineError(`network ${idOrName} not found`, 'notFound'));
  }

  createNetwork(): Promise<void> {
    return Promise.reject(new EngineError('The bundled engine has only the none and host networks.', 'failed'));
  }

  removeNetwork(): Promise<void> {
    return this.createNetwork();
  }

  pruneNetworks(): Promise<PruneResult> {
    return Promise.resolve({ removed: [], spaceReclaimed: 0 });
  }

  listVolumes(): Promise<VolumeSummary[]> {
    return Promise.resolve([]);
  }

  inspectVolume(name: string): Promise<Inspected<VolumeSummary>> {
    return Promise.reject(new EngineError(`no such volume: ${name}`, 'notFound'));
  }

  createVolume(): Promise<void> {
    return Promise.reject(new EngineError('The bundled engine has no volumes yet.', 'failed'));
  }

  removeVolume(name: string): Promise<void> {
    return this.inspectVolume(name).then(() => undefined);
  }

  pruneVolumes(): Promise<PruneResult> {
    return Promise.resolve({ removed: [], spaceReclaimed: 0 });
  }

  async *events(signal: AbortSignal): AsyncIterable<EngineEvent> {
    for await (const e of followEvents(this.home, signal)) yield { type: e.type, action: e.action, id: e.id, time: e.time, attributes: e.attributes };
  }

  dispose(): void {
    // Nothing held open: every call reads the disk.
  }

  private client(options: TransferOptions): RegistryClient {
    const credentials = options.credentials;
    if (!credentials) return new RegistryClient({ userAgent: 'stevedore-core', ...this.options.registry });
    return new RegistryClient({
      userAgent: 'stevedore-core',
      ...this.options.registry,
      credentials: (host) => (host === credentials.serverAddress.replace(/^https?:\/\//, '').replace(/\/.*$/, '') ? Promise.resolve({ username: credentials.username, password: credentials.password }) : (this.options.registry?.credentials?.(host) ?? Promise.resolve(undefined))),
    });
  }
}

function pathStat(rootfs: string, id: string, containerPath: string): PathStat {
  try {
    return statRootfsPath(rootfs, containerPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') throw new EngineError(`Could not find the file ${containerPath} in container ${id}`, 'notFound');
    throw err;
  }
}

/** An async iterable of what `work` pushes while it runs; ends when it resolves, throws (as an EngineError) when it rejects. */
function streamed<T>(work: (push: (item: T) => void) => Promise<void>): AsyncIterable<T> {
  return (async function* () {
    const items: T[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    let failure: unknown;
    const push = (item: T) => {
      items.push(item);
      wake?.();
    };
    void work(push).then(() => (done = true), (err: unknown) => ((failure = err), (done = true))).finally(() => wake?.());
    while (!done || items.length) {
      if (!items.length) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      yield* items.splice(0);
    }
    if (failure) throw engineError(failure);
  })();
}
