import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import type { ContainerSummary, Engine, EngineEvent, EngineInfo, ImageSummary, Inspected, Operation, ProgressEvent, RegistryCredentials, TransferOptions } from '../engine';
import { EngineError } from '../engine';
import { containerFromInspect, containerFromList, imageFromApi } from './apiModel';
import { daemonMessage, toEngineError } from './daemonErrors';
import type { DaemonEndpoint } from './endpoint';
import { parseEventStream } from './eventStream';
import { isAuthFailure, parseProgressStream } from './progressStream';
import { familiarRepository, parseReference } from '../../core/registry/imageReference';

/** How long a plain request may take before it is reported as a failure (streams have no limit). */
const REQUEST_TIMEOUT_MS = 30_000;

const OPERATIONS: ReadonlySet<Operation> = new Set<Operation>([
  'startContainer', 'stopContainer', 'restartContainer', 'removeContainer',
  'pullImage', 'pushImage', 'tagImage', 'removeImage',
]);

/** An Engine over the Docker Engine API (Docker, or Podman's compatible service), through dockerode. */
export class DaemonEngine implements Engine {
  readonly endpoint: string;
  readonly capabilities = OPERATIONS;
  private readonly docker: Docker;
  private readonly lifetime = new AbortController();

  constructor(endpoint: DaemonEndpoint) {
    this.endpoint = endpoint.url;
    this.docker = new Docker(modemOptions(endpoint));
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
    const raw = await this.call(`inspect image ${idOrRef}`, (abortSignal) => this.docker.getImage(idOrRef).inspect({ abortSignal }));
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

  pullImage(reference: string, options: TransferOptions = {}): AsyncIterable<ProgressEvent> {
    // The API takes the whole reference (tag or digest included) in fromImage.
    return this.transfer(`pull ${reference}`, options, (abortSignal) =>
      this.docker.createImage(authConfig(options.credentials), { fromImage: reference, abortSignal }) as Promise<Readable>);
  }

  pushImage(reference: string, options: TransferOptions = {}): AsyncIterable<ProgressEvent> {
    const ref = parseReference(reference);
    return this.transfer(`push ${reference}`, options, (abortSignal) =>
      this.docker.getImage(familiarRepository(ref)).push({ tag: ref.tag ?? 'latest', authconfig: authConfig(options.credentials), abortSignal }) as Promise<Readable>);
  }

  async tagImage(source: string, target: string): Promise<void> {
    const ref = parseReference(target);
    await this.call(`tag ${source} as ${target}`, (abortSignal) => this.docker.getImage(source).tag({ repo: familiarRepository(ref), tag: ref.tag ?? 'latest', abortSignal }));
  }

  async removeImage(idOrRef: string, options: { force?: boolean } = {}): Promise<void> {
    await this.call(`remove image ${idOrRef}`, (abortSignal) => this.docker.getImage(idOrRef).remove({ force: options.force, abortSignal }));
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

/** The daemon wants credentials as X-Registry-Auth; it never sees them otherwise. */
function authConfig(credentials?: RegistryCredentials): Docker.AuthConfig | undefined {
  return credentials && { username: credentials.username, password: credentials.password, serveraddress: credentials.serverAddress };
}

function modemOptions(endpoint: DaemonEndpoint): Docker.DockerOptions {
  const t = endpoint.transport;
  switch (t.kind) {
    case 'socket':
      return { socketPath: t.path };
    case 'ssh':
      return { protocol: 'ssh', host: t.host, port: t.port, username: t.username, sshOptions: { agent: process.env.SSH_AUTH_SOCK } };
    case 'tcp': {
      if (!t.tls) return { protocol: 'http', host: t.host, port: t.port };
      const read = (file: string) => {
        const p = path.join(t.tls!.certPath, file);
        try {
          return fs.readFileSync(p);
        } catch (err) {
          throw new EngineError(`TLS is on for ${endpoint.url} but ${p} cannot be read (${(err as NodeJS.ErrnoException).code}). Set DOCKER_CERT_PATH to the folder with ca.pem, cert.pem and key.pem.`, 'tls', { cause: err });
        }
      };
      const material = { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
      if (t.tls.verify) return { protocol: 'https', host: t.host, port: t.port, ...material };
      return { protocol: 'https', host: t.host, port: t.port, agent: new https.Agent({ ...material, rejectUnauthorized: false }) };
    }
  }
}
