import type { Engine, EngineEvent, ImageSummary } from '../engine/engine';

/**
 * The images an engine holds, kept current from its events: each image event costs one inspect.
 * A tag is on one image at a time, so an image that gains a tag takes it from any other.
 */
export class ImageList {
  private readonly byId = new Map<string, ImageSummary>();

  async load(engine: Engine): Promise<void> {
    const images = await engine.listImages();
    this.byId.clear();
    for (const i of images) this.byId.set(i.id, i);
  }

  async apply(engine: Engine, events: readonly EngineEvent[]): Promise<boolean> {
    const last = new Set<string>();
    for (const e of events) if (e.type === 'image' && e.id) last.add(e.id);
    let changed = false;
    // Every event is checked with one inspect, a delete too: Podman reports removing one tag of an
    // image as a `remove` (our `delete`) of the whole image.
    for (const id of last) {
      try {
        // A pull names the image by reference; inspect resolves it to the image and its id.
        const { summary } = await engine.inspectImage(id);
        for (const [otherId, other] of this.byId) {
          if (otherId === summary.id || !other.tags.some((t) => summary.tags.includes(t))) continue;
          this.byId.set(otherId, { ...other, tags: other.tags.filter((t) => !summary.tags.includes(t)) });
        }
        this.byId.set(summary.id, summary);
        changed = true;
      } catch (err) {
        if ((err as { reason?: string }).reason !== 'notFound') throw err;
        changed = this.byId.delete(id) || changed;
      }
    }
    return changed;
  }

  all(): ImageSummary[] {
    return [...this.byId.values()];
  }

  clear(): void {
    this.byId.clear();
  }
}
