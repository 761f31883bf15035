import type { ContainerSummary, Engine, EngineEvent } from '../engine/engine';

/**
 * The containers an engine holds, kept current from its events: a container event costs one
 * inspect of that container, never a re-list. Free of `vscode` so benchmarks can drive it.
 */
export class ContainerList {
  private readonly byId = new Map<string, ContainerSummary>();

  async load(engine: Engine): Promise<void> {
    const containers = await engine.listContainers();
    this.byId.clear();
    for (const c of containers) this.byId.set(c.id, c);
  }

  /** Applies a batch of events; resolves true when anything in the list changed. */
  async apply(engine: Engine, events: readonly EngineEvent[]): Promise<boolean> {
    const last = new Map<string, string>();
    for (const e of events) if (e.type === 'container' && e.id) last.set(e.id, e.action);
    let changed = false;
    await Promise.all([...last].map(async ([id, action]) => {
      if (action === 'destroy') {
        changed = this.byId.delete(id) || changed;
        return;
      }
      try {
        const { summary } = await engine.inspectContainer(id);
        this.byId.set(id, summary);
        changed = true;
      } catch (err) {
        if ((err as { reason?: string }).reason !== 'notFound') throw err;
        changed = this.byId.delete(id) || changed;
      }
    }));
    return changed;
  }

  all(): ContainerSummary[] {
    return [...this.byId.values()];
  }

  clear(): void {
    this.byId.clear();
  }
}
