/**
 * The Engine contract: everything the UI knows about a container engine. Views and commands talk
 * to an Engine, never to dockerode or the bundled core directly, so switching engines swaps one
 * object. Nothing here imports `vscode`.
 *
 * How the contract grows: every operation is a method whose name is also an `Operation`; an engine
 * lists the operations it can do in `capabilities` and the UI offers only those. Long operations
 * (events now; build, pull, push, logs, exec later) are `AsyncIterable`s of typed progress items,
 * ended early through an `AbortSignal`, so the UI renders progress and cancels uniformly.
 */

export type EngineKind = 'docker' | 'podman' | 'core';

export interface EngineInfo {
  readonly kind: EngineKind;
  /** What the user would call it, e.g. "Docker Engine 20.10.24". */
  readonly product: string;
  readonly version: string;
  readonly apiVersion: string;
  readonly os: string;
  readonly arch: string;
}

export interface ImageSummary {
  /** Content-addressed id, `sha256:...`. */
  readonly id: string;
  /** `repository:tag` names; empty for a dangling image. */
  readonly tags: readonly string[];
  readonly digests: readonly string[];
  /** Bytes on disk. */
  readonly size: number;
  /** Milliseconds since the epoch. */
  readonly created: number;
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
export type ContainerHealth = 'starting' | 'healthy' | 'unhealthy';

export interface PortMapping {
  readonly containerPort: number;
  readonly protocol: string;
  readonly hostIp?: string;
  readonly hostPort?: number;
}

export interface ContainerSummary {
  readonly id: string;
  readonly name: string;
  /** The image as the user named it when creating the container. */
  readonly image: string;
  readonly imageId: string;
  readonly command: string;
  readonly created: number;
  readonly state: ContainerState;
  /** Human status as the engine words it, e.g. "Up 3 minutes" or "Exited (0) 2 hours ago". */
  readonly status: string;
  readonly health?: ContainerHealth;
  readonly ports: readonly PortMapping[];
  readonly labels: Readonly<Record<string, string>>;
  /** Names of the networks the container is attached to. */
  readonly networks: readonly string[];
  readonly mounts: readonly Mount[];
}

export interface Mount {
  readonly type: 'bind' | 'volume' | 'tmpfs' | 'npipe' | 'image' | 'cluster';
  /** The volume's name, for a volume mount. */
  readonly name?: string;
  /** Host path (bind) or the volume's data path. */
  readonly source: string;
  readonly destination: string;
  readonly readOnly: boolean;
}

export interface NetworkSummary {
  readonly id: string;
  readonly name: string;
  readonly driver: string;
  readonly scope: string;
  readonly created: number;
  readonly internal: boolean;
  readonly labels: Readonly<Record<string, string>>;
}

export interface VolumeSummary {
  readonly name: string;
  readonly driver: string;
  readonly mountpoint: string;
  readonly created: number;
  readonly labels: Readonly<Record<string, string>>;
}

/** One layer of an image's history, newest first, as `docker history` shows it. */
export interface HistoryEntry {
  /** The layer's image id, or undefined for a step that made no image of its own (`<missing>`). */
  readonly id?: string;
  readonly created: number;
  readonly createdBy: string;
  readonly size: number;
  readonly comment: string;
  readonly tags: readonly string[];
}

export interface PathStat {
  readonly name: string;
  readonly size: number;
  readonly type: 'file' | 'directory' | 'symlink' | 'other';
  readonly mtime: number;
  readonly linkTarget: string;
}

export interface ContainerStats {
  readonly cpuPercent: number;
  readonly memoryUsage: number;
  readonly memoryLimit: number;
}

/** What was removed by a prune, and how many bytes it freed. */
export interface PruneResult {
  readonly removed: readonly string[];
  readonly spaceReclaimed: number;
}

export interface PortRequest {
  readonly containerPort: number;
  readonly protocol?: 'tcp' | 'udp';
  /** Omitted: a free port chosen by the engine. */
  readonly hostPort?: number;
  readonly hostIp?: string;
}

/** What `docker run` takes, in the subset the UI offers. */
export interface RunRequest {
  readonly image: string;
  readonly name?: string;
  readonly ports?: readonly PortRequest[];
  /** `KEY=value` entries. */
  readonly env?: readonly string[];
  /** `source:destination[:ro]`, source being a host path or a volume name. */
  readonly volumes?: readonly string[];
  readonly command?: readonly string[];
  /** Keep stdin open with a terminal (`docker run -it`). */
  readonly interactive?: boolean;
}

export interface LogOptions {
  readonly follow?: boolean;
  readonly timestamps?: boolean;
  /** Only the last N lines. */
  readonly tail?: number;
  readonly signal?: AbortSignal;
}

/** A piece of a container's output, as it arrives (not split into lines). */
export interface LogChunk {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

/** An interactive process in a container with a terminal (`docker exec -it`). */
export interface TerminalSession {
  /** What the process writes to its terminal; ends when it exits. */
  readonly output: AsyncIterable<Buffer>;
  write(data: string): void;
  resize(columns: number, rows: number): Promise<void>;
  /** Resolves with the exit code once the output has ended. */
  exitCode(): Promise<number | undefined>;
  close(): void;
}

export interface BuildRequest {
  /** The build context folder; its .dockerignore applies. */
  readonly context: string;
  /** The Dockerfile, relative to the context. */
  readonly dockerfile: string;
  readonly tag?: string;
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly target?: string;
  readonly platform?: string;
  readonly noCache?: boolean;
  readonly signal?: AbortSignal;
}

/** Progress of a build: a new step, or output. `step` counts from 1 across all stages. */
export type BuildEvent =
  | { readonly kind: 'step'; readonly step: number; readonly total: number; readonly instruction: string }
  | { readonly kind: 'output'; readonly text: string }
  | { readonly kind: 'done'; readonly imageId: string };

/** The engine's own inspect document, for display, with the fields the UI relies on parsed. */
export interface Inspected<T> {
  readonly summary: T;
  readonly raw: unknown;
}

export type EngineObjectType = 'container' | 'image' | 'network' | 'volume' | 'other';

/** One change in the engine, normalised across Docker and Podman event names. */
export interface EngineEvent {
  readonly type: EngineObjectType;
  /** Docker's action vocabulary: create, start, die, stop, destroy, pause, tag, untag, delete, ... */
  readonly action: string;
  readonly id: string;
  /** Milliseconds since the epoch. */
  readonly time: number;
  readonly attributes: Readonly<Record<string, string>>;
}

/** Progress of a pull, push or build. `id` names the layer when the engine reports per layer. */
export interface ProgressEvent {
  readonly id?: string;
  /** The engine's wording: "Downloading", "Pull complete", "Pushed", "Layer already exists". */
  readonly status: string;
  readonly current?: number;
  readonly total?: number;
}

/** What a registry needs to let the engine pull or push; never logged or shown. */
export interface RegistryCredentials {
  readonly serverAddress: string;
  readonly username: string;
  readonly password: string;
}

export interface TransferOptions {
  readonly credentials?: RegistryCredentials;
  readonly signal?: AbortSignal;
}

export type Operation =
  | 'startContainer' | 'stopContainer' | 'restartContainer' | 'removeContainer' | 'pauseContainer' | 'unpauseContainer'
  | 'killContainer' | 'runContainer' | 'runTerminal' | 'containerLogs' | 'execTerminal' | 'containerStats' | 'containerArchive' | 'pruneContainers'
  | 'pullImage' | 'pushImage' | 'tagImage' | 'removeImage' | 'imageHistory' | 'saveImage' | 'importImage' | 'pruneImages' | 'buildImage'
  | 'listNetworks' | 'createNetwork' | 'removeNetwork' | 'pruneNetworks'
  | 'listVolumes' | 'createVolume' | 'removeVolume' | 'pruneVolumes';

export interface Engine {
  /** Where this engine lives, as the user would write it: `unix:///var/run/docker.sock`, `bundled`. */
  readonly endpoint: string;
  readonly capabilities: ReadonlySet<Operation>;

  /** Fails with an EngineError when the engine cannot be reached. */
  info(): Promise<EngineInfo>;
  listImages(): Promise<ImageSummary[]>;
  listContainers(): Promise<ContainerSummary[]>;
  inspectImage(idOrRef: string): Promise<Inspected<ImageSummary>>;
  inspectContainer(idOrName: string): Promise<Inspected<ContainerSummary>>;

  startContainer(id: string): Promise<void>;
  /** Sends the stop signal, then kills after `timeoutSeconds` (the engine's default when absent). */
  stopContainer(id: string, timeoutSeconds?: number): Promise<void>;
  restartContainer(id: string): Promise<void>;
  removeContainer(id: string, options?: { force?: boolean }): Promise<void>;
  pauseContainer(id: string): Promise<void>;
  unpauseContainer(id: string): Promise<void>;
  killContainer(id: string, signal?: string): Promise<void>;
  /** Creates and starts a container; resolves with its id. */
  runContainer(request: RunRequest): Promise<string>;
  /** Creates a container with a terminal, attaches to it, then starts it (`docker run -it`). */
  runTerminal(request: RunRequest, size: { columns: number; rows: number }): Promise<TerminalSession>;
  containerLogs(id: string, options?: LogOptions): AsyncIterable<LogChunk>;
  /** Starts `command` in a running container with a terminal of the given size. */
  execTerminal(id: string, command: readonly string[], size: { columns: number; rows: number }): Promise<TerminalSession>;
  /** One sample of CPU and memory use (CPU over the engine's sampling interval). */
  containerStats(id: string): Promise<ContainerStats>;
  /** A tar stream of `path` inside the container (running or stopped), as `docker cp` reads it. */
  containerArchive(id: string, path: string, signal?: AbortSignal): Promise<AsyncIterable<Buffer>>;
  /** What is at `path` in the container, without reading it. */
  containerPathStat(id: string, path: string): Promise<PathStat>;
  /** Removes stopped containers. */
  pruneContainers(): Promise<PruneResult>;

  /** Pulls `reference` (Docker's reference syntax); yields progress, throws an EngineError on failure. */
  pullImage(reference: string, options?: TransferOptions): AsyncIterable<ProgressEvent>;
  /** Pushes a tagged local image to its registry; a refused login is an EngineError with reason `auth`. */
  pushImage(reference: string, options?: TransferOptions): AsyncIterable<ProgressEvent>;
  /** Gives the image `source` the additional name `target` (`repository[:tag]`). */
  tagImage(source: string, target: string): Promise<void>;
  /** Removes a tag, or the image when it is the last one (`force` also for images in use). */
  removeImage(idOrRef: string, options?: { force?: boolean }): Promise<void>;
  imageHistory(idOrRef: string): Promise<HistoryEntry[]>;
  /** The image as a `docker save` archive. */
  saveImage(reference: string, signal?: AbortSignal): Promise<AsyncIterable<Buffer>>;
  /** `docker import`: a root filesystem tarball (plain or gzip) as a one-layer image named `reference`. */
  importImage(file: string, reference: string, options?: { command?: readonly string[] }): Promise<void>;
  /** Removes dangling images (`all`: every image no container uses). */
  pruneImages(options?: { all?: boolean }): Promise<PruneResult>;
  buildImage(request: BuildRequest): AsyncIterable<BuildEvent>;

  listNetworks(): Promise<NetworkSummary[]>;
  inspectNetwork(idOrName: string): Promise<Inspected<NetworkSummary>>;
  createNetwork(name: string, options?: { driver?: string }): Promise<void>;
  removeNetwork(idOrName: string): Promise<void>;
  pruneNetworks(): Promise<PruneResult>;

  listVolumes(): Promise<VolumeSummary[]>;
  inspectVolume(name: string): Promise<Inspected<VolumeSummary>>;
  createVolume(name: string): Promise<void>;
  removeVolume(name: string, options?: { force?: boolean }): Promise<void>;
  pruneVolumes(): Promise<PruneResult>;

  /**
   * The engine's change feed, from now on, until `signal` aborts (then it ends quietly) or the
   * connection fails (then it throws an EngineError; the caller decides whether to reconnect).
   */
  events(signal: AbortSignal): AsyncIterable<EngineEvent>;

  dispose(): void;
}

/**
 * Why something failed. Reaching the engine: `absent` (nothing at that socket), `unreachable`
 * (refused, reset, timed out), `permission`, `tls`, `version` (too old), `config` (DOCKER_HOST or a
 * setting cannot be used). Operations: `auth` (credentials missing or refused), `notFound`,
 * `conflict`, `failed`.
 */
export type EngineErrorReason = 'absent' | 'unreachable' | 'permission' | 'tls' | 'version' | 'config' | 'auth' | 'notFound' | 'conflict' | 'failed';

/**
 * A failure with a message a user can act on; never holds a secret. Test for it with
 * `isEngineError`: the daemon engine is bundled apart and has its own copy of this class.
 */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly reason: EngineErrorReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EngineError';
  }
}

export function isEngineError(err: unknown): err is EngineError {
  return err instanceof Error && err.name === 'EngineError' && typeof (err as Partial<EngineError>).reason === 'string';
}
