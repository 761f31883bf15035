/** OCI content descriptors and the manifest shapes the store reads (image-spec v1.1, Docker schema 2). */
export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
}

export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export const REF_NAME = 'org.opencontainers.image.ref.name';
export const CONTAINERD_NAME = 'io.containerd.image.name';

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociIndex || mediaType === MediaType.dockerManifestList;
}

export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociManifest || mediaType === MediaType.dockerManifest;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** True for a `sha256:<64 hex>` digest, the only algorithm the store keeps. */
export function isDigest(text: string): boolean {
  return DIGEST.test(text);
}

/** The hex part of a sha256 digest; throws for anything else so it never becomes a path. */
export function digestHex(digest: string): string {
  if (!isDigest(digest)) throw new Error(`"${digest}" is not a sha256 digest (sha256:<64 hex digits>)`);
  return digest.slice('sha256:'.length);
}

/** The platform of this machine in OCI terms (Node's arch names mapped to Go's). */
export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  const os: Record<string, string> = { win32: 'windows' };
  const platform: Platform = { architecture: arch[process.arch] ?? process.arch, os: os[process.platform] ?? process.platform };
  if (process.arch === 'arm64') platform.variant = 'v8';
  return platform;
}
