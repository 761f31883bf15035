/** One layer's (or config's) progress in a pull or push, in the words `docker pull` prints. */
export interface TransferEvent {
  /** The first 12 hex digits of the blob digest. */
  readonly id: string;
  readonly status: 'Waiting' | 'Downloading' | 'Verifying' | 'Download complete' | 'Already exists' | 'Pushing' | 'Pushed' | 'Mounted';
  readonly current?: number;
  readonly total?: number;
}

export type ProgressListener = (event: TransferEvent) => void;

export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

/** Runs `work` over `items` with at most `limit` at once; the first failure stops new work and is thrown after the running ones end. */
export async function boundedEach<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.err;
}
