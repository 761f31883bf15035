import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { parseDockerHost, type DaemonEndpoint } from '../../src/engine/daemon/endpoint';
import { baseImage, dockerMissing } from './services';

/**
 * The engines of the test services that the daemon tests run against: Docker (DOCKER_HOST) and
 * Podman's Docker-compatible service (STEVEDORE_TEST_PODMAN_HOST). Each is driven from outside with
 * the docker CLI pointed at it (`docker -H`), which speaks to both.
 */
export class TestEngine {
  constructor(readonly name: 'Docker' | 'Podman', readonly host: string | undefined, private readonly why: () => string | undefined) {}

  get kind(): 'docker' | 'podman' {
    return this.name === 'Docker' ? 'docker' : 'podman';
  }

  /** Why this engine cannot be used here, or undefined. */
  missing(): string | undefined {
    return this.why();
  }

  endpoint(): DaemonEndpoint {
    return parseDockerHost(this.host!, `the test ${this.name}`, { env: {}, platform: 'linux', homedir: os.homedir() });
  }

  /** The docker CLI against this engine; trimmed stdout. */
  cli(...args: string[]): string {
    return execFileSync('docker', ['-H', this.host!, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).trim();
  }

  /** A busybox container that exits promptly on SIGTERM. */
  runService(name: string, extra: string[] = []): string {
    return this.cli('run', '-d', '--name', name, ...extra, baseImage(), 'sh', '-c', 'trap "exit 0" TERM; while sleep 1; do :; done');
  }

  /**
   * An image name as this engine lists it: Podman keeps the registry and `library/` that Docker
   * leaves out (docker.io/library/busybox:local for busybox:local).
   */
  listedName(reference: string): string {
    if (this.kind === 'docker' || /^[^/]+[.:][^/]*\//.test(reference) || reference.startsWith('localhost/')) return reference;
    return `docker.io/${reference.includes('/') ? '' : 'library/'}${reference}`;
  }
}

function podmanMissing(): string | undefined {
  const host = process.env.STEVEDORE_TEST_PODMAN_HOST;
  if (!host) return 'STEVEDORE_TEST_PODMAN_HOST is not set (no Podman service)';
  try {
    execFileSync('docker', ['-H', host, 'version', '--format', '{{.Server.Version}}'], { stdio: 'pipe', timeout: 10_000 });
    return undefined;
  } catch (err) {
    return `the Podman service at ${host} does not answer: ${(err as Error).message.split('\n')[0]}`;
  }
}

export function testEngines(): TestEngine[] {
  return [
    new TestEngine('Docker', process.env.DOCKER_HOST, dockerMissing),
    new TestEngine('Podman', process.env.STEVEDORE_TEST_PODMAN_HOST, podmanMissing),
  ];
}
