import type { HistoryStep, LayerDescription } from './imageSource';

/** The parts of an OCI/Docker image config the inspector reads. */
export interface ImageConfig {
  readonly os?: string;
  readonly architecture?: string;
  readonly created?: number;
  readonly diffIds: readonly string[];
  readonly history: readonly HistoryStep[];
}

interface RawHistory {
  created?: unknown;
  created_by?: unknown;
  comment?: unknown;
  empty_layer?: unknown;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * Parses an image config: its diff_ids, and its history with each step tied to the layer it made
 * (steps marked `empty_layer` made none). Layers the history does not account for get a step of
 * their own, so every layer has one. Throws an Error naming what is missing or malformed.
 */
export function parseImageConfig(raw: unknown): ImageConfig {
  if (!raw || typeof raw !== 'object') throw new Error('the image config is not a JSON object');
  const config = raw as { os?: unknown; architecture?: unknown; created?: unknown; rootfs?: { diff_ids?: unknown }; history?: unknown };
  const diffIds = config.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || !diffIds.every((d): d is string => typeof d === 'string' && DIGEST.test(d))) {
    throw new Error('the image config has no valid rootfs.diff_ids (sha256 digests)');
  }
  const rawHistory: RawHistory[] = Array.isArray(config.history) ? (config.history as RawHistory[]).filter((h) => h && typeof h === 'object') : [];
  const history: HistoryStep[] = [];
  let next = 0;
  for (const h of rawHistory) {
    const makesLayer = h.empty_layer !== true && next < diffIds.length;
    history.push({
      createdBy: typeof h.created_by === 'string' ? h.created_by : '',
      created: time(h.created),
      comment: typeof h.comment === 'string' && h.comment ? h.comment : undefined,
      layer: makesLayer ? next++ : undefined,
    });
  }
  for (; next < diffIds.length; next++) history.push({ createdBy: '', layer: next });
  return {
    os: typeof config.os === 'string' ? config.os : undefined,
    architecture: typeof config.architecture === 'string' ? config.architecture : undefined,
    created: time(config.created),
    diffIds,
    history,
  };
}

export function layerDescriptions(config: ImageConfig, blobs: readonly { digest?: string; storedSize?: number }[] = []): LayerDescription[] {
  return config.diffIds.map((diffId, i) => ({ diffId, digest: blobs[i]?.digest, storedSize: blobs[i]?.storedSize }));
}

function time(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
