import type { Platform } from '../store/descriptor';

/** The `config` part of an OCI/Docker image config, as the builder edits it. */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Shell?: string[];
  Healthcheck?: { Test: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; StartInterval?: number; Retries?: number };
  OnBuild?: string[] | null;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfigFile {
  created?: string;
  architecture: string;
  os: string;
  variant?: string;
  config: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
}

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function emptyConfig(platform: Platform): ImageConfigFile {
  return {
    architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}),
    config: { Env: [DEFAULT_PATH] },
    rootfs: { type: 'layers', diff_ids: [] }, history: [],
  };
}

/** The value of `name` in a `K=V` list. */
export function envValue(env: readonly string[] | undefined, name: string): string | undefined {
  const prefix = `${name}=`;
  for (let i = (env?.length ?? 0) - 1; i >= 0; i--) if (env![i].startsWith(prefix)) return env![i].slice(prefix.length);
  return undefined;
}

export function setEnv(env: readonly string[] | undefined, name: string, value: string): string[] {
  const prefix = `${name}=`;
  const out = (env ?? []).filter((e) => !e.startsWith(prefix));
  const at = (env ?? []).findIndex((e) => e.startsWith(prefix));
  if (at >= 0) out.splice(at, 0, `${name}=${value}`);
  else out.push(`${name}=${value}`);
  return out;
}

/** `80`, `80/udp`, `8000-8002/tcp` → `80/tcp`… as EXPOSE records them. */
export function exposedPorts(spec: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
  if (!m) throw new Error(`invalid containerPort: ${spec}`);
  const first = Number(m[1]);
  const last = m[2] ? Number(m[2]) : first;
  if (last < first || last > 65535) throw new Error(`invalid port range: ${spec}`);
  const proto = (m[3] ?? 'tcp').toLowerCase();
  const out: string[] = [];
  for (let p = first; p <= last; p++) out.push(`${p}/${proto}`);
  return out;
}

/** Go durations as HEALTHCHECK takes them (`30s`, `1m30s`, `500ms`) in nanoseconds. */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  let total = 0;
  let rest = text;
  if (rest === '0') return 0;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) throw new Error(`time: invalid duration "${text}"`);
    total += Number(m[1]) * units[m[2]];
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}

/** The `created_by` of a JSON-array value the way BuildKit prints Go slices: `["a" "b"]`. */
export function goList(values: readonly string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;
}
