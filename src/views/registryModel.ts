import { humanDuration, humanSize } from '../engine/humanize';
import type { ImageIndex, ImageManifest } from '../core/registry/ociTypes';

/** The registries the connect flow offers by name; "other" asks for a host. */
export interface RegistryPreset {
  readonly label: string;
  readonly host?: string;
  readonly detail: string;
  /** What the password box asks for on this registry. */
  readonly secret: string;
}

export const REGISTRY_PRESETS: readonly RegistryPreset[] = [
  { label: 'Docker Hub', host: 'docker.io', detail: 'docker.io', secret: 'Password or personal access token' },
  { label: 'GitHub Container Registry', host: 'ghcr.io', detail: 'ghcr.io · a personal access token with read:packages', secret: 'Personal access token (classic, with read:packages)' },
  { label: 'GitLab Container Registry', host: 'registry.gitlab.com', detail: 'registry.gitlab.com · a personal or deploy token', secret: 'Personal access token or deploy token' },
  { label: 'Quay', host: 'quay.io', detail: 'quay.io · a robot account or encrypted password', secret: 'Password or robot token' },
  { label: 'Other registry…', detail: 'Any registry speaking the OCI distribution API (V2): host[:port]', secret: 'Password or token' },
];

/** What is kept of a connected registry in globalState: never a secret. */
export interface SavedRegistry {
  readonly host: string;
  /** The user's name on the registry (its password is in SecretStorage); none: anonymous or Docker's credentials. */
  readonly username?: string;
  /** Credentials read from Docker's config (config.json auths, credsStore, credHelpers) instead of our own. */
  readonly useDockerCredentials?: boolean;
  /** Repositories the user added by name (where the registry has no catalog to list). */
  readonly repositories: readonly string[];
}

const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::\d{1,5})?$/;
const HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'hub.docker.com']);

/**
 * The registry host the user typed, as references name it: scheme, path and trailing slash
 * dropped, Docker Hub's aliases as `docker.io`. Throws an Error saying what is wrong.
 */
export function normalizeHost(text: string): string {
  const trimmed = text.trim().replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  if (!trimmed) throw new Error('Enter the registry host, e.g. registry.example.com or localhost:5000.');
  if (!HOST.test(trimmed)) throw new Error(`"${trimmed}" is not a host[:port].`);
  const port = /:(\d+)$/.exec(trimmed)?.[1];
  if (port && (Number(port) < 1 || Number(port) > 65535)) throw new Error(`${port} is not a port number.`);
  return HUB_ALIASES.has(trimmed.toLowerCase()) ? 'docker.io' : trimmed.toLowerCase();
}

/** A repository name as the user typed it, checked: lowercase path components; Hub's official images under `library/`. */
export function normalizeRepository(host: string, text: string): string {
  const name = text.trim().replace(/^\/+|\/+$/g, '');
  if (!name) throw new Error('Enter a repository name, e.g. team/app.');
  if (name !== name.toLowerCase()) throw new Error('Repository names are lowercase.');
  for (const part of name.split('/')) {
    if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/.test(part)) throw new Error(`"${part}" is not a valid repository path component.`);
  }
  return host === 'docker.io' && !name.includes('/') ? `library/${name}` : name;
}

/** `docker.io/library/busybox:1.36` as the user names it: `busybox:1.36`; other registries in full. */
export function tagReference(host: string, repository: string, tag: string): string {
  if (host !== 'docker.io') return `${host}/${repository}:${tag}`;
  return `${repository.startsWith('library/') ? repository.slice('library/'.length) : repository}:${tag}`;
}

/** What the tree shows of a tag once its manifest (and config) have been read. */
export interface TagDetails {
  /** The digest the tag points at (a manifest, or a multi-platform index). */
  readonly digest: string;
  readonly mediaType: string;
  /** Compressed size of the shown platform's image: config plus layers. */
  readonly size?: number;
  /** The image's creation time (ms), from its config. */
  readonly created?: number;
  /** `linux/amd64`, `linux/arm64/v8`, …; for a single manifest, its config's platform. */
  readonly platforms: readonly string[];
}

/** The platforms of an index, without the attestation manifests (`unknown/unknown`) BuildKit adds. */
export function indexPlatforms(index: ImageIndex): string[] {
  return index.manifests
    .filter((m) => m.platform && m.platform.os !== 'unknown' && m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest')
    .map((m) => [m.platform!.os, m.platform!.architecture, m.platform!.variant].filter(Boolean).join('/'));
}

export function manifestSize(manifest: ImageManifest): number {
  return manifest.config.size + manifest.layers.reduce((n, l) => n + l.size, 0);
}

/** The tag's line in the tree: "2.1 MB · 3 days ago · linux/amd64, linux/arm64". */
export function tagDescription(details: TagDetails | undefined, now: number, failed?: string): string {
  if (failed) return `cannot read: ${failed}`;
  if (!details) return '…';
  const parts: string[] = [];
  if (details.size !== undefined) parts.push(humanSize(details.size));
  if (details.created !== undefined) parts.push(`${humanDuration(Math.max(0, now - details.created))} ago`);
  if (details.platforms.length) parts.push(details.platforms.length > 3 ? `${details.platforms.slice(0, 3).join(', ')} +${details.platforms.length - 3}` : details.platforms.join(', '));
  return parts.join(' · ');
}

/** The tag's tooltip, as plain lines. */
export function tagTooltip(reference: string, details: TagDetails | undefined): string[] {
  const lines = [reference];
  if (!details) return lines;
  lines.push(`Digest: ${details.digest}`, `Media type: ${details.mediaType}`);
  if (details.size !== undefined) lines.push(`Size (compressed): ${humanSize(details.size)}`);
  if (details.created !== undefined) lines.push(`Created: ${new Date(details.created).toISOString()}`);
  if (details.platforms.length) lines.push(`Platforms: ${details.platforms.join(', ')}`);
  return lines;
}

/** `latest` first, then the other names in descending order, numbers compared as numbers (1.10 before 1.9). */
export function sortTags(tags: readonly string[]): string[] {
  return [...tags].sort((a, b) => (a === 'latest' ? -1 : b === 'latest' ? 1 : b.localeCompare(a, undefined, { numeric: true })));
}

/**
 * Pages through a registry's catalog as the user asks for more: `more(n)` reads until it holds n
 * more names (the client fetches the next page only when the iterator is pulled further).
 */
export class CatalogPager {
  readonly names: string[] = [];
  private done = false;
  private reading: Promise<void> | undefined;

  constructor(private readonly iterator: AsyncIterator<string>) {}

  get complete(): boolean {
    return this.done;
  }

  more(count: number): Promise<void> {
    this.reading ??= (async () => {
      const target = this.names.length + count;
      while (!this.done && this.names.length < target) {
        const next = await this.iterator.next();
        if (next.done) this.done = true;
        else this.names.push(next.value);
      }
    })().finally(() => (this.reading = undefined));
    return this.reading;
  }
}

/** Runs tasks with at most `limit` at once (per-tag manifest reads). */
export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

/** The image config's creation time and platform, which the tree shows for a tag. */
export function configFacts(bytes: Buffer): { created?: number; platform?: string } {
  try {
    const config = JSON.parse(bytes.toString('utf8')) as { created?: unknown; os?: unknown; architecture?: unknown; variant?: unknown };
    const created = typeof config.created === 'string' ? Date.parse(config.created) : NaN;
    const platform = typeof config.os === 'string' && typeof config.architecture === 'string'
      ? [config.os, config.architecture, typeof config.variant === 'string' ? config.variant : undefined].filter(Boolean).join('/')
      : undefined;
    return { created: Number.isFinite(created) ? created : undefined, platform };
  } catch {
    return {};
  }
}

/** A registry's children in the tree, before they become nodes. */
export type RepositoryRow = { readonly repository: string } | { readonly more: true } | { readonly addRepository: true } | { readonly noCatalog: true };

/**
 * The repositories under a registry. With a catalog: its names as read so far, then "Load more"
 * while it has more; once complete, the ones the user added that it does not list. Without one:
 * the added and the user's own (Docker Hub's API), sorted, an explanation when there are none,
 * and "Add Repository…".
 */
export function repositoryRows(listing: { catalog: readonly string[]; complete: boolean } | { own: readonly string[] }, added: readonly string[]): RepositoryRow[] {
  if ('catalog' in listing) {
    const extra = listing.complete ? added.filter((r) => !listing.catalog.includes(r)) : [];
    return [...[...listing.catalog, ...extra].map((repository) => ({ repository })), ...(listing.complete ? [] : [{ more: true } as const])];
  }
  const names = [...new Set([...added, ...listing.own])].sort();
  return [...(names.length ? [] : [{ noCatalog: true } as const]), ...names.map((repository) => ({ repository })), { addRepository: true }];
}
