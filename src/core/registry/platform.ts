import { hostPlatform, type Platform } from '../store/descriptor';

/** The platform `docker pull` picks by default: linux on this machine's CPU (Go's names). */
export function defaultPullPlatform(): Platform {
  return { ...hostPlatform(), os: 'linux' };
}

/** `linux/arm64/v8` style, as `--platform` takes it. */
export function parsePlatform(text: string): Platform {
  const [os, architecture, variant, extra] = text.split('/');
  if (!os || !architecture || extra !== undefined) throw new Error(`"${text}" is not a platform (os/arch[/variant], e.g. linux/amd64)`);
  return variant ? { os, architecture, variant } : { os, architecture };
}
