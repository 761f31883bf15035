import type { ImageDescription } from '../core/layers/imageSource';

/**
 * What the inspector's host (inspectorPanel.ts) and its webview (media/inspector/) say to each
 * other. Layer indexes cross as their encoded bytes (layerIndex.ts); the webview decodes them and
 * builds the trees itself, so changing layer, mode, filter or sort never waits on the host.
 */
export type HostMessage =
  /** The layer list, before any layer is read; again when the source learns the exact history. */
  | { readonly type: 'image'; readonly description: ImageDescription; readonly dockerfile?: DockerfileLink }
  | { readonly type: 'progress'; readonly layer: number; readonly storedBytes: number }
  | { readonly type: 'layer'; readonly layer: number; readonly data: Uint8Array; readonly cached: boolean }
  | { readonly type: 'layerFailed'; readonly layer: number; readonly message: string }
  /** Every layer has arrived or failed. */
  | { readonly type: 'done' }
  /** Nothing could be shown (the image or archive could not be read). */
  | { readonly type: 'failed'; readonly message: string };

/** The Dockerfile that built the image: its name, and per history step the line (0-based) that made it. */
export interface DockerfileLink {
  readonly label: string;
  readonly lines: readonly (number | null)[];
}

export type ViewMessage =
  | { readonly type: 'ready' }
  /** The user followed a history step's link to its Dockerfile line. */
  | { readonly type: 'openDockerfile'; readonly step: number }
  /** For the log: how long after the command the layer list, or the complete index, was on screen. */
  | { readonly type: 'painted'; readonly what: 'layers' | 'index'; readonly at: number; /** Where the webview spent its time, for the log. */ readonly detail?: string };
