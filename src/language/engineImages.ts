import type { EngineConnection } from '../engine/engineConnection';
import { isEngineError, type ImageSummary } from '../engine/engine';
import type { Subscription } from '../engine/emitter';

const LIST_TTL_MS = 10_000;
const TIMEOUT_MS = 1500;

/** What the language features ask the active engine about images, with short timeouts and a small cache. */
export class EngineImages {
  private listed?: { at: number; names: string[] };
  private readonly subscription: Subscription;

  constructor(private readonly connection: EngineConnection) {
    this.subscription = connection.onDidReceiveEvents((events) => {
      if (events.some((e) => e.type === 'image')) this.listed = undefined;
    });
  }

  dispose(): void {
    this.subscription.dispose();
  }

  /** `repository:tag` names, or [] with no engine. */
  async names(): Promise<string[]> {
    const state = this.connection.state;
    if (state.status !== 'connected') return [];
    if (this.listed && Date.now() - this.listed.at < LIST_TTL_MS) return this.listed.names;
    const images = await withTimeout(state.engine.listImages()).catch(() => [] as ImageSummary[]);
    const names = [...new Set(images.flatMap((i) => i.tags).filter((t) => !t.startsWith('<none>')))].sort();
    this.listed = { at: Date.now(), names };
    return names;
  }

  /** The engine's image of that reference: summary and its repository digests; undefined when the engine has none or none is connected. */
  async inspect(ref: string): Promise<{ summary: ImageSummary; engine: string } | 'absent' | undefined> {
    const state = this.connection.state;
    if (state.status !== 'connected') return undefined;
    try {
      const image = await withTimeout(state.engine.inspectImage(ref));
      return { summary: image.summary, engine: state.info.product };
    } catch (err) {
      return isEngineError(err) && err.reason === 'notFound' ? 'absent' : undefined;
    }
  }
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the engine did not answer in time')), TIMEOUT_MS);
    promise.then((v) => {
      clearTimeout(timer);
      resolve(v);
    }, (err: unknown) => {
      clearTimeout(timer);
      reject(err instanceof Error ? err : new Error(String(err)));
    });
  });
}
