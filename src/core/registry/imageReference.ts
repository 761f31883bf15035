/**
 * Image references parsed exactly as Docker parses them (distribution/reference's normalised
 * form): `[domain[:port]/]path[:tag][@digest]`, with `docker.io` and `library/` filled in.
 */
export interface ImageReference {
  /** Registry host, with port when given: `docker.io`, `ghcr.io`, `localhost:5000`. */
  readonly domain: string;
  /** Repository path inside the registry: `library/busybox`, `team/api`. */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
}

export const DOCKER_HUB = 'docker.io';
const LEGACY_HUB = 'index.docker.io';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

export class ReferenceError extends Error {
  constructor(reference: string, why: string) {
    super(`"${reference}" is not a valid image reference: ${why}`);
    this.name = 'ReferenceError';
  }
}

/** Parses a reference as `docker pull` would; throws ReferenceError saying why it is invalid. */
export function parseReference(text: string): ImageReference {
  const fail = (why: string) => new ReferenceError(text, why);
  if (!text) throw fail('it is empty');
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw fail(`"${digest}" is not a digest (algorithm:hex)`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw fail(`"${tag}" is not a valid tag`);
  }
  let domain = DOCKER_HUB;
  let path = rest;
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  // Docker's rule: the first component is a registry when it has a dot or a port, is "localhost",
  // or has capitals (a repository path never does).
  if (slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase())) {
    domain = first === LEGACY_HUB ? DOCKER_HUB : first;
    path = rest.slice(slash + 1);
    if (!DOMAIN.test(domain)) throw fail(`"${domain}" is not a registry host`);
  }
  if (!path) throw fail('the repository name is empty');
  if (path !== path.toLowerCase()) throw fail('repository names must be lowercase');
  for (const component of path.split('/')) {
    if (!COMPONENT.test(component)) throw fail(`"${component}" is not a valid path component`);
  }
  if (domain === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  if (`${domain}/${path}`.length > 255) throw fail('the repository name is longer than 255 characters');
  return { domain, path, tag, digest };
}

/** `docker.io/library/busybox:latest` style: the full normalised name. */
export function formatReference(ref: ImageReference): string {
  return `${repositoryOf(ref)}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** `busybox:latest` style, as `docker images` shows names (Hub and library/ left out). */
export function familiarReference(ref: ImageReference): string {
  return `${familiarRepository(ref)}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

export function repositoryOf(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

export function familiarRepository(ref: ImageReference): string {
  if (ref.domain !== DOCKER_HUB) return repositoryOf(ref);
  return ref.path.startsWith('library/') ? ref.path.slice('library/'.length) : ref.path;
}

/** With `latest` filled in when neither tag nor digest is given, as `docker pull` does. */
export function withDefaultTag(ref: ImageReference): ImageReference {
  return ref.tag || ref.digest ? ref : { ...ref, tag: 'latest' };
}
