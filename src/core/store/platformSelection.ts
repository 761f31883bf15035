import type { Descriptor, ImageIndex, Platform } from './descriptor';

/** Attestation manifests (BuildKit's provenance/SBOM) sit in indexes as platform unknown/unknown. */
function isAttestation(d: Descriptor): boolean {
  return d.platform?.os === 'unknown' || d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest';
}

export function platformText(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/**
 * The index entry for `want`, as containerd's default matcher chooses: same os and architecture,
 * the exact variant preferred (arm64 without variant counts as v8), attestations never.
 */
export function selectPlatform(index: ImageIndex, want: Platform): Descriptor | undefined {
  const candidates = index.manifests.filter((d) => !isAttestation(d));
  const same = candidates.filter((d) => !d.platform || (d.platform.os === want.os && d.platform.architecture === want.architecture));
  const variant = (p?: Platform) => p?.variant ?? (p?.architecture === 'arm64' ? 'v8' : undefined);
  return same.find((d) => d.platform && variant(d.platform) === variant(want)) ?? same.find((d) => d.platform) ?? same[0];
}

/** The platforms an index offers, for an error message. */
export function offeredPlatforms(index: ImageIndex): string {
  return index.manifests.filter((d) => d.platform && !isAttestation(d)).map((d) => platformText(d.platform as Platform)).join(', ') || 'none';
}
