/**
 * Where an image's layers come from, for the inspector. Today: a `docker save`/OCI archive file
 * (archiveSource.ts) and an engine's image export (src/engine/engineImageSource.ts). The core's
 * OCI store plugs in as a source whose layers are FileRanges of its blob files; a registry as one
 * whose layers are the blob downloads' AsyncIterables, fetched in parallel (the pool reads each as
 * it arrives, no full pull).
 */
export interface ImageSource {
  /** The image's layers and history, without reading any layer: what the inspector paints first. */
  describe(signal?: AbortSignal): Promise<ImageDescription>;
  /**
   * Hands over the bytes of the layers asked for (positions in `describe().layers`), each as soon
   * as it can be read, in any order; resolves once every one has been handed over. A layer the
   * source cannot give is reported through `failed`, and the others still come.
   */
  fetchLayers(layers: readonly number[], deliver: (delivery: LayerDelivery) => void, signal?: AbortSignal): Promise<void>;
  /** Removes whatever the source keeps on disk (spooled exports). */
  dispose(): Promise<void>;
}

/** A layer's bytes as a range of a local file: read directly (and in parallel), without a stream between. */
export interface FileRange {
  readonly path: string;
  readonly offset: number;
  readonly length: number;
}

export type LayerBytes = FileRange | AsyncIterable<Uint8Array>;

export type LayerDelivery =
  | {
    readonly layer: number;
    readonly bytes: LayerBytes;
    /** Called once the bytes are read (deletes a spool file). */
    readonly release?: () => void;
    /** The sha256 of these bytes, uncompressed, when the source computed it as it wrote them: not computed again. */
    readonly diffId?: string;
  }
  | { readonly layer: number; readonly error: string };

export interface LayerDescription {
  /** sha256 of the uncompressed layer, from the image config: what the index cache is keyed by. */
  readonly diffId: string;
  /** The stored blob's digest, when the source names it (OCI layouts, registries). */
  readonly digest?: string;
  /** Bytes as stored, when known before reading. */
  readonly storedSize?: number;
  /**
   * Set by a source that cannot vouch for the diffID (an archive file: its config says what it
   * likes): the layer is indexed without hashing the whole tar, and its index is cached under this
   * key (64 hex digits, naming the file as it is now and the layer's place in it), not the diffID.
   */
  readonly sourceKey?: string;
}

/** One step of the image's history, as the config records it; oldest first. */
export interface HistoryStep {
  /** The full instruction, e.g. `RUN /bin/sh -c apk add curl # buildkit`. */
  readonly createdBy: string;
  /** Milliseconds since the epoch, when recorded. */
  readonly created?: number;
  readonly comment?: string;
  /** The layer this step made (a position in ImageDescription.layers); undefined for a step that changed no files. */
  readonly layer?: number;
}

export interface ImageDescription {
  /** How the user named the image: a reference, an id, or the archive's file name. */
  readonly name: string;
  /** Where it was read from, for the panel: "Docker Engine 20.10.24", "archive app.tar". */
  readonly origin: string;
  /** The config's digest, `sha256:...`, when known. */
  readonly id?: string;
  readonly tags: readonly string[];
  readonly os?: string;
  readonly architecture?: string;
  readonly created?: number;
  readonly layers: readonly LayerDescription[];
  readonly history: readonly HistoryStep[];
}
