import { currentContext, DEFAULT_CONTEXT, readContext, type DockerContext } from './dockerContexts';
import { parseDockerHost, resolveEndpoints, type DaemonEndpoint, type EndpointEnvironment } from './endpoint';

/**
 * Which endpoints to try for a choice of engine: `auto` (what the docker CLI would use), a docker
 * context's name, or an endpoint URL. Throws an Error that says what is wrong with the choice.
 */

/** What the user chose: `auto`, a context name (`default` included), or a URL with a scheme. */
export type EngineChoice = string;

export const AUTO = 'auto';

export function isEndpointUrl(choice: EngineChoice): boolean {
  return /^[a-z]+:\/\//i.test(choice);
}

/**
 * `auto`: DOCKER_HOST; else the context DOCKER_CONTEXT or config.json's `currentContext` names;
 * else (the `default` context) the default Docker socket, then Podman's rootful and rootless ones.
 * `chosenBy` names where a URL choice came from, for messages.
 */
export function chosenEndpoints(choice: EngineChoice, environment: EndpointEnvironment, chosenBy: string): DaemonEndpoint[] {
  const trimmed = choice.trim();
  if (!trimmed || trimmed === AUTO) {
    const context = currentContext(environment);
    if (context.name === DEFAULT_CONTEXT) return resolveEndpoints(environment);
    return [contextEndpoint(readContext(environment, context.name), `docker context "${context.name}" (${context.source})`, environment)];
  }
  if (isEndpointUrl(trimmed)) return [parseDockerHost(trimmed, chosenBy, environment)];
  if (trimmed === DEFAULT_CONTEXT) return resolveEndpoints(environment);
  return [contextEndpoint(readContext(environment, trimmed), `docker context "${trimmed}"`, environment)];
}

/**
 * A context's endpoint, with its own TLS: TLS when it has TLS files or skips verification (as the
 * CLI does), verifying the daemon unless SkipTLSVerify.
 */
export function contextEndpoint(context: DockerContext, source: string, environment: EndpointEnvironment): DaemonEndpoint {
  const tls = context.tlsDir || context.skipTLSVerify ? { certPath: context.tlsDir, verify: !context.skipTLSVerify } : null;
  return parseDockerHost(context.host, source, environment, tls);
}
