import type { ArchiveContents } from './archiveContents';
import { parseImageConfig, type ImageConfig } from './imageConfig';

/** One image in an archive: its config and where its layers are. */
export interface ArchivedImage {
  readonly tags: readonly string[];
  /** The config's digest, when the archive names it. */
  readonly id?: string;
  readonly config: ImageConfig;
  /** The archive entry holding the config. */
  readonly configEntry: string;
  /** Archive entry names of the layers, bottom first. */
  readonly layerEntries: readonly string[];
  readonly layerBlobs: readonly { readonly digest?: string; readonly storedSize?: number }[];
}

const DIGEST = /^(sha256|sha512):([0-9a-f]{64}|[0-9a-f]{128})$/;
const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

/**
 * The images in a `docker save` archive (legacy layout: `manifest.json`, `<id>/layer.tar`; Docker
 * 25+: the same `manifest.json` over an OCI layout) or a plain OCI layout (`index.json`,
 * `blobs/sha256/...`, as skopeo and buildkit write it). Throws an Error saying what is missing.
 */
export async function readArchiveImages(contents: ArchiveContents, platform = hostPlatform()): Promise<ArchivedImage[]> {
  if (contents.has('manifest.json')) return fromDockerManifest(contents);
  if (contents.has('index.json')) return fromOciIndex(contents, platform);
  throw new Error('this is not an image archive: it has neither manifest.json (docker save) nor index.json (OCI layout)');
}

async function json(contents: ArchiveContents, name: string): Promise<unknown> {
  const data = await contents.read(name);
  try {
    return JSON.parse(data.toString('utf8')) as unknown;
  } catch {
    throw new Error(`${name} in the archive is not valid JSON`);
  }
}

async function fromDockerManifest(contents: ArchiveContents): Promise<ArchivedImage[]> {
  const manifest = await json(contents, 'manifest.json');
  if (!Array.isArray(manifest) || !manifest.length) throw new Error('manifest.json in the archive lists no image');
  const images: ArchivedImage[] = [];
  for (const raw of manifest as { Config?: unknown; RepoTags?: unknown; Layers?: unknown }[]) {
    if (typeof raw?.Config !== 'string' || !Array.isArray(raw.Layers) || !raw.Layers.every((l) => typeof l === 'string')) {
      throw new Error('manifest.json in the archive has an entry without Config or Layers');
    }
    const config = parseImageConfig(await json(contents, raw.Config));
    const layers = raw.Layers;
    if (layers.length !== config.diffIds.length) throw new Error(`manifest.json lists ${layers.length} layers but the image config has ${config.diffIds.length}`);
    const idMatch = /([0-9a-f]{64})(\.json)?$/.exec(raw.Config);
    images.push({
      tags: Array.isArray(raw.RepoTags) ? raw.RepoTags.filter((t): t is string => typeof t === 'string') : [],
      id: idMatch ? `sha256:${idMatch[1]}` : undefined,
      config,
      configEntry: raw.Config,
      layerEntries: layers,
      layerBlobs: layers.map((name) => {
        const m = /^blobs\/(sha256|sha512)\/([0-9a-f]+)$/.exec(name);
        return { digest: m ? `${m[1]}:${m[2]}` : undefined, storedSize: contents.range(name)?.length };
      }),
    });
  }
  return images;
}

interface Descriptor {
  mediaType?: unknown;
  digest?: unknown;
  size?: unknown;
  annotations?: Record<string, unknown>;
  platform?: { os?: unknown; architecture?: unknown };
}

function blobName(digest: unknown): string {
  const m = typeof digest === 'string' ? DIGEST.exec(digest) : null;
  if (!m) throw new Error(`the OCI layout names a blob by an invalid digest: ${String(digest).slice(0, 80)}`);
  return `blobs/${m[1]}/${m[2]}`;
}

async function fromOciIndex(contents: ArchiveContents, platform: string): Promise<ArchivedImage[]> {
  const index = (await json(contents, 'index.json')) as { manifests?: Descriptor[] };
  if (!Array.isArray(index?.manifests) || !index.manifests.length) throw new Error('index.json in the archive lists no manifest');
  const images: ArchivedImage[] = [];
  for (const descriptor of index.manifests) {
    const tags = ['io.containerd.image.name', 'org.opencontainers.image.ref.name']
      .map((k) => descriptor.annotations?.[k])
      .filter((t): t is string => typeof t === 'string');
    images.push(await fromManifest(contents, descriptor, platform, tags.slice(0, 1), 0));
  }
  return images;
}

async function fromManifest(contents: ArchiveContents, descriptor: Descriptor, platform: string, tags: string[], depth: number): Promise<ArchivedImage> {
  if (depth > 4) throw new Error('the OCI layout nests image indexes too deeply');
  const document = (await json(contents, blobName(descriptor.digest))) as { mediaType?: unknown; manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
  if (INDEX_TYPES.has(String(descriptor.mediaType)) || Array.isArray(document.manifests)) {
    const manifests = document.manifests ?? [];
    const choice = manifests.find((m) => `${String(m.platform?.os)}/${String(m.platform?.architecture)}` === platform)
      ?? manifests.find((m) => m.platform?.os !== 'unknown')
      ?? manifests[0];
    if (!choice) throw new Error('an image index in the archive lists no manifest');
    return fromManifest(contents, choice, platform, tags, depth + 1);
  }
  if (!document.config || !Array.isArray(document.layers)) throw new Error('an image manifest in the archive has no config or layers');
  const configEntry = blobName(document.config.digest);
  const config = parseImageConfig(await json(contents, configEntry));
  const layers = document.layers;
  if (layers.length !== config.diffIds.length) throw new Error(`the image manifest lists ${layers.length} layers but its config has ${config.diffIds.length}`);
  return {
    tags,
    id: typeof document.config.digest === 'string' ? document.config.digest : undefined,
    config,
    configEntry,
    layerEntries: layers.map((l) => blobName(l.digest)),
    layerBlobs: layers.map((l) => ({ digest: String(l.digest), storedSize: typeof l.size === 'number' ? l.size : undefined })),
  };
}

/** `linux/amd64` style, as image platforms name this machine. */
function hostPlatform(): string {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return `linux/${arch[process.arch] ?? process.arch}`;
}
