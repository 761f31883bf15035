import { humanDuration } from '../humanize';
import type { ContainerHealth, ContainerState, ContainerStats, PathStat, ContainerSummary, HistoryEntry, ImageSummary, Mount, NetworkSummary, PortMapping, VolumeSummary } from '../engine';

/** Turns the Docker Engine API's JSON (Docker and Podman's compatible API) into the contract's types. */

interface ApiImage {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Size?: number;
  Created?: number | string;
}

/** Both `GET /images/json` items and `GET /images/{id}/json` (where `Created` is an ISO date). */
export function imageFromApi(raw: ApiImage): ImageSummary {
  return {
    id: raw.Id,
    // Docker < 25 lists a dangling image as "<none>:<none>"; Podman and newer Docker give [].
    tags: (raw.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
    digests: (raw.RepoDigests ?? []).filter((d) => !d.startsWith('<none>@')),
    size: raw.Size ?? 0,
    created: toMillis(raw.Created),
  };
}

interface ApiPort {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type?: string;
}

interface ApiContainer {
  Id: string;
  Names?: string[];
  Image?: string;
  ImageID?: string;
  Command?: string;
  Created?: number;
  State?: string;
  Status?: string;
  Ports?: ApiPort[] | null;
  Labels?: Record<string, string> | null;
  NetworkSettings?: { Networks?: Record<string, unknown> | null } | null;
  Mounts?: ApiMount[] | null;
}

interface ApiMount {
  Type?: string;
  Name?: string;
  Source?: string;
  Destination?: string;
  RW?: boolean;
}

function mountsFrom(raw: ApiMount[] | null | undefined): Mount[] {
  return (raw ?? []).map((m) => ({
    type: (m.Type ?? 'bind') as Mount['type'],
    name: m.Name || undefined,
    source: m.Source ?? '',
    destination: m.Destination ?? '',
    readOnly: m.RW === false,
  }));
}

export function containerFromList(raw: ApiContainer): ContainerSummary {
  const status = raw.Status ?? '';
  return {
    id: raw.Id,
    name: (raw.Names?.[0] ?? raw.Id.slice(0, 12)).replace(/^\//, ''),
    image: raw.Image ?? '',
    imageId: raw.ImageID ?? '',
    command: raw.Command ?? '',
    created: toMillis(raw.Created),
    state: containerState(raw.State, status),
    status,
    health: healthFromStatus(status),
    ports: dedupePorts((raw.Ports ?? []).map((p) => ({ containerPort: p.PrivatePort, protocol: p.Type ?? 'tcp', hostIp: p.IP || undefined, hostPort: p.PublicPort || undefined }))),
    labels: raw.Labels ?? {},
    networks: Object.keys(raw.NetworkSettings?.Networks ?? {}),
    mounts: mountsFrom(raw.Mounts),
  };
}

interface ApiContainerInspect {
  Id: string;
  Name?: string;
  Image?: string;
  Created?: string;
  Path?: string;
  Args?: string[];
  State?: { Status?: string; Running?: boolean; Paused?: boolean; Restarting?: boolean; ExitCode?: number; StartedAt?: string; FinishedAt?: string; Health?: { Status?: string } };
  Config?: { Image?: string; Labels?: Record<string, string> | null };
  NetworkSettings?: { Ports?: Record<string, { HostIp?: string; HostPort?: string }[] | null> | null; Networks?: Record<string, unknown> | null };
  Mounts?: ApiMount[] | null;
}

/** `GET /containers/{id}/json`: no human status there, so it is worded here as Docker words it. */
export function containerFromInspect(raw: ApiContainerInspect, now = Date.now()): ContainerSummary {
  const s = raw.State ?? {};
  const state = containerState(s.Status, '');
  const health = s.Health?.Status;
  const ports: PortMapping[] = [];
  for (const [key, bindings] of Object.entries(raw.NetworkSettings?.Ports ?? {})) {
    const [port, protocol = 'tcp'] = key.split('/');
    if (!bindings?.length) ports.push({ containerPort: Number(port), protocol });
    for (const b of bindings ?? []) ports.push({ containerPort: Number(port), protocol, hostIp: b.HostIp || undefined, hostPort: b.HostPort ? Number(b.HostPort) : undefined });
  }
  return {
    id: raw.Id,
    name: (raw.Name ?? raw.Id.slice(0, 12)).replace(/^\//, ''),
    image: raw.Config?.Image ?? '',
    imageId: raw.Image ?? '',
    command: [raw.Path, ...(raw.Args ?? [])].filter(Boolean).join(' '),
    created: toMillis(raw.Created),
    state,
    status: describeState(state, s.ExitCode ?? 0, toMillis(s.StartedAt), toMillis(s.FinishedAt), now),
    health: health === 'starting' || health === 'healthy' || health === 'unhealthy' ? health : undefined,
    ports: dedupePorts(ports),
    labels: raw.Config?.Labels ?? {},
    networks: Object.keys(raw.NetworkSettings?.Networks ?? {}),
    mounts: mountsFrom(raw.Mounts),
  };
}

interface ApiNetwork {
  Id: string;
  Name: string;
  Driver?: string;
  Scope?: string;
  Created?: string;
  Internal?: boolean;
  Labels?: Record<string, string> | null;
}

export function networkFromApi(raw: ApiNetwork): NetworkSummary {
  return {
    id: raw.Id,
    name: raw.Name,
    driver: raw.Driver ?? '',
    scope: raw.Scope ?? 'local',
    created: toMillis(raw.Created),
    internal: raw.Internal ?? false,
    labels: raw.Labels ?? {},
  };
}

interface ApiVolume {
  Name: string;
  Driver?: string;
  Mountpoint?: string;
  CreatedAt?: string;
  Labels?: Record<string, string> | null;
}

export function volumeFromApi(raw: ApiVolume): VolumeSummary {
  return { name: raw.Name, driver: raw.Driver ?? 'local', mountpoint: raw.Mountpoint ?? '', created: toMillis(raw.CreatedAt), labels: raw.Labels ?? {} };
}

interface ApiHistory {
  Id?: string;
  Created?: number;
  CreatedBy?: string;
  Size?: number;
  Comment?: string;
  Tags?: string[] | null;
}

export function historyFromApi(raw: ApiHistory): HistoryEntry {
  return {
    id: raw.Id && raw.Id !== '<missing>' ? raw.Id : undefined,
    created: toMillis(raw.Created),
    createdBy: raw.CreatedBy ?? '',
    size: raw.Size ?? 0,
    comment: raw.Comment ?? '',
    tags: raw.Tags ?? [],
  };
}

const STATES: readonly ContainerState[] = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'];

function containerState(state: string | undefined, status: string): ContainerState {
  const s = (state ?? '').toLowerCase();
  if ((STATES as readonly string[]).includes(s)) return s as ContainerState;
  // Podman reports "configured"/"initialized" for created containers and "stopped" for exited ones.
  if (s === 'configured' || s === 'initialized') return 'created';
  if (s === 'stopped') return 'exited';
  if (/^up /i.test(status)) return 'running';
  return 'exited';
}

function healthFromStatus(status: string): ContainerHealth | undefined {
  const m = /\((healthy|unhealthy|health: starting)\)/.exec(status);
  if (!m) return undefined;
  return m[1] === 'health: starting' ? 'starting' : (m[1] as ContainerHealth);
}

/** Docker lists a port once for 0.0.0.0 and once for ::; the user thinks of it as one mapping. */
function dedupePorts(ports: PortMapping[]): PortMapping[] {
  const seen = new Set<string>();
  return ports.filter((p) => {
    const wildcard = p.hostIp === '0.0.0.0' || p.hostIp === '::';
    const key = `${p.containerPort}/${p.protocol}>${wildcard ? '*' : (p.hostIp ?? '')}:${p.hostPort ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function toMillis(value: number | string | undefined): number {
  if (typeof value === 'number') return value < 1e12 ? value * 1000 : value;
  if (!value) return 0;
  const t = Date.parse(value);
  return Number.isNaN(t) || t < 0 ? 0 : t;
}

function describeState(state: ContainerState, exitCode: number, startedAt: number, finishedAt: number, now: number): string {
  switch (state) {
    case 'running': return `Up ${humanDuration(now - startedAt)}`;
    case 'paused': return `Up ${humanDuration(now - startedAt)} (Paused)`;
    case 'restarting': return `Restarting (${exitCode}) ${humanDuration(now - finishedAt)} ago`;
    case 'exited': return finishedAt ? `Exited (${exitCode}) ${humanDuration(now - finishedAt)} ago` : 'Exited';
    case 'created': return 'Created';
    case 'removing': return 'Removal In Progress';
    case 'dead': return 'Dead';
  }
}

interface ApiStats {
  cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
}

/** CPU and memory as `docker stats` computes them (memory without the reclaimable page cache). */
export function statsFromApi(raw: ApiStats): ContainerStats {
  const cpu = raw.cpu_stats ?? {};
  const pre = raw.precpu_stats ?? {};
  const cpuDelta = (cpu.cpu_usage?.total_usage ?? 0) - (pre.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu.system_cpu_usage ?? 0) - (pre.system_cpu_usage ?? 0);
  const cpus = cpu.online_cpus || cpu.cpu_usage?.percpu_usage?.length || 1;
  const cpuPercent = cpuDelta > 0 && systemDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
  const memory = raw.memory_stats ?? {};
  const cache = memory.stats?.total_inactive_file ?? memory.stats?.inactive_file ?? 0;
  const usage = Math.max(0, (memory.usage ?? 0) - (cache < (memory.usage ?? 0) ? cache : 0));
  return { cpuPercent, memoryUsage: usage, memoryLimit: memory.limit ?? 0 };
}

/** The X-Docker-Container-Path-Stat header (base64 JSON) of a HEAD on a container's archive. */
export function pathStatFromHeader(header: string | string[] | undefined, path: string): PathStat {
  const text = Array.isArray(header) ? header[0] : header;
  if (!text) throw new Error(`The engine did not describe ${path}.`);
  const raw = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as { name?: string; size?: number; mode?: number; mtime?: string; linkTarget?: string };
  // Go's os.FileMode: bit 31 directory, 27 symlink; 26, 25, 24, 21, 19 devices, pipes, sockets.
  const mode = raw.mode ?? 0;
  const bit = (n: number) => Math.floor(mode / 2 ** n) % 2 === 1;
  const type = bit(31) ? 'directory' : bit(27) ? 'symlink' : [26, 25, 24, 21, 19].some(bit) ? 'other' : 'file';
  return { name: raw.name ?? '', size: raw.size ?? 0, type, mtime: toMillis(raw.mtime), linkTarget: raw.linkTarget ?? '' };
}
