import type { PortRequest } from '../engine/engine';

/**
 * Parses what a user types for `docker run -p`, comma- or space-separated:
 * `8080:80`, `80` (a free host port), `127.0.0.1:8443:443`, `127.0.0.1::80`, `53:53/udp`.
 * Throws an Error naming the entry that is not a port mapping.
 */
export function parsePorts(text: string): PortRequest[] {
  return splitList(text).map((spec) => {
    const m = /^(?:(\[[0-9a-fA-F:]+\]|\d+\.\d+\.\d+\.\d+):)?(?:(\d*):)?(\d+)(?:\/(tcp|udp))?$/.exec(spec);
    if (!m) throw new Error(`"${spec}" is not a port mapping: use [host-ip:][host-port:]container-port[/tcp|udp], e.g. 8080:80`);
    const [, ip, host, container, protocol] = m;
    const containerPort = Number(container);
    const hostPort = host ? Number(host) : undefined;
    for (const p of [containerPort, hostPort]) {
      if (p !== undefined && (p < 1 || p > 65535)) throw new Error(`"${spec}": ports are 1 to 65535`);
    }
    return { containerPort, hostPort, hostIp: ip?.replace(/^\[|\]$/g, ''), protocol: (protocol as 'tcp' | 'udp' | undefined) ?? 'tcp' };
  });
}

/** `KEY=value` entries (values without spaces or commas: the form splits on them). */
export function parseEnv(text: string): string[] {
  return splitList(text).map((entry) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(entry)) throw new Error(`"${entry}" is not KEY=value`);
    return entry;
  });
}

/** `source:destination[:ro|rw]`, source being a volume name or an absolute host path. */
export function parseVolumes(text: string): string[] {
  return splitList(text).map((entry) => {
    if (!/^[^:]+:\/[^:]*(?::(ro|rw))?$/.test(entry)) throw new Error(`"${entry}" is not a volume: use name-or-path:/container/path[:ro]`);
    return entry;
  });
}

function splitList(text: string): string[] {
  return text.split(/[,\s]+/).map((s) => s.trim()).filter(Boolean);
}
