// @types/dockerode describes dockerode 4; dockerode 5 also takes these (checked in its lib/ sources).
import type { Agent } from 'node:http';
import 'dockerode';

declare module 'dockerode' {
  interface DockerOptions {
    agent?: Agent;
  }
  interface ImageInspectOptions {
    abortSignal?: AbortSignal;
  }
  interface Container {
    stats(options: { stream: false; abortSignal?: AbortSignal }): Promise<ContainerStats>;
    getArchive(options: { path: string; abortSignal?: AbortSignal }): Promise<NodeJS.ReadableStream>;
  }
  interface Network {
    inspect(options: { abortSignal?: AbortSignal }): Promise<NetworkInspectInfo>;
  }
}
