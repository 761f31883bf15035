import type { Descriptor, Platform } from './ociTypes';

const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', mips: 'mips', mipsel: 'mipsle', loong64: 'loong64' };

/** The platform `docker pull` picks here: linux and the host's CPU, with Go's names. */
export function hostPlatform(): Platform {
  const architecture = GO_ARCH[process.arch] ?? process.arch;
  if (architecture === 'arm') {
    const armVersion = (process.config.variables as { arm_version?: string }).arm_version;
    return { os: 'linux', architecture, variant: `v${armVersion ?? '7'}` };
  }
  return { os: 'linux', architecture };
}

/** `linux/arm64/v8` style, as `--platform` takes it. */
export function parsePlatform(text: string): Platform {
  const [os, architecture, variant] = text.split('/');
  if (!os || !architecture) throw new Error(`"${text}" is not a platform (os/arch[/variant], e.g. linux/amd64)`);
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** arm64 without a variant means v8, as containerd's platform matcher normalizes it. */
function variantOf(p: Platform): string | undefined {
  return p.variant ?? (p.architecture === 'arm64' ? 'v8' : undefined);
}

/** The index entry for `wanted`; an exact variant first, then (for arm) a lower variant that runs there. */
export function selectPlatform(manifests: readonly Descriptor[], wanted: Platform): Descriptor | undefined {
  const candidates = manifests.filter((m) => m.platform && m.platform.os === wanted.os && m.platform.architecture === wanted.architecture);
  const want = variantOf(wanted);
  const exact = candidates.find((m) => variantOf(m.platform!) === want);
  if (exact || !want) return exact ?? candidates.find((m) => !variantOf(m.platform!));
  const level = (v: string | undefined) => Number(v?.replace(/^v/, '') ?? 0);
  return candidates.filter((m) => level(variantOf(m.platform!)) <= level(want)).sort((a, b) => level(variantOf(b.platform!)) - level(variantOf(a.platform!)))[0];
}
