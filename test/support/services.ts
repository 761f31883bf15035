import { execFileSync } from 'node:child_process';

/** Under CI a missing service fails the test instead of skipping it. */
export const servicesRequired = process.env.STEVEDORE_REQUIRE_SERVICES === '1';

/** The services were started by this `npm test` and are stopped after it: nobody else uses them. */
export const servicesOwned = process.env.STEVEDORE_SERVICES_OWNED === '1';

/**
 * For `describe(name, { skip: skipUnlessAvailable(...) })`: false when the service is there; the
 * reason (printed) when it is not; and under STEVEDORE_REQUIRE_SERVICES=1 a thrown error, so the
 * file fails rather than counting a skip.
 */
export function skipUnlessAvailable(missing: string | undefined): string | false {
  if (!missing) return false;
  if (servicesRequired) throw new Error(`required service is missing: ${missing} (run scripts/test-services.sh up)`);
  console.log(`# skipped: ${missing} (run scripts/test-services.sh up)`);
  return missing;
}

/** Why the Docker daemon of the test services cannot be used, or undefined when it answers. */
export function dockerMissing(): string | undefined {
  if (!process.env.DOCKER_HOST) return 'DOCKER_HOST is not set (no test daemon)';
  try {
    execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { stdio: 'pipe', timeout: 10_000 });
    return undefined;
  } catch (err) {
    return `the Docker daemon at ${process.env.DOCKER_HOST} does not answer: ${(err as Error).message.split('\n')[0]}`;
  }
}

/** Why a command-line tool the test needs (skopeo, zstd) is not here, or undefined. */
export function toolMissing(tool: string): string | undefined {
  try {
    execFileSync(tool, ['--version'], { stdio: 'pipe', timeout: 10_000 });
    return undefined;
  } catch {
    return `${tool} is not installed (apt-get install ${tool})`;
  }
}

export function baseImage(): string {
  return process.env.STEVEDORE_TEST_BASE_IMAGE ?? 'busybox:local';
}

/** Runs the docker CLI against the test daemon and returns its trimmed stdout. */
export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).trim();
}

/** A name no other run uses, for containers and tags the test creates. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}`;
}

/** A busybox container that exits promptly on SIGTERM, as a well-behaved service does. */
export function runService(name: string, extra: string[] = []): string {
  return docker('run', '-d', '--name', name, ...extra, baseImage(), 'sh', '-c', 'trap "exit 0" TERM; while sleep 1; do :; done');
}

/** `docker build` of a Dockerfile given as text (no context), on `host` or DOCKER_HOST; the image id. */
export function buildFromText(dockerfile: string, args: string[] = [], host?: string): string {
  return execFileSync('docker', [...(host ? ['-H', host] : []), 'build', '-q', ...args, '-'], { input: dockerfile, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: 120_000 }).trim();
}
