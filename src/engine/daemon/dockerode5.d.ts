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
}
