import type { ProgressEvent } from '../engine/engine';
import { humanSize, printable } from '../engine/humanize';

/**
 * Sums a pull's or push's per-layer progress into one line: "3/5 layers · 12.3MB / 40.1MB".
 * Layers are keyed by the id the engine gives; lines without an id are status messages.
 */
export class TransferProgress {
  private readonly layers = new Map<string, { current: number; total: number; done: boolean }>();
  private lastStatus = '';

  update(event: ProgressEvent): void {
    if (!event.id || event.id.includes(':') || event.id === 'latest') {
      this.lastStatus = printable(event.status, true);
      return;
    }
    const layer = this.layers.get(event.id) ?? { current: 0, total: 0, done: false };
    if (event.total) layer.total = event.total;
    if (event.current !== undefined) layer.current = event.current;
    if (/complete|pushed|already exists|mounted from/i.test(event.status)) {
      layer.done = true;
      layer.current = layer.total;
    }
    this.layers.set(event.id, layer);
  }

  describe(): string {
    const layers = [...this.layers.values()];
    if (!layers.length) return this.lastStatus;
    const done = layers.filter((l) => l.done).length;
    const total = layers.reduce((n, l) => n + l.total, 0);
    const current = layers.reduce((n, l) => n + l.current, 0);
    return `${done}/${layers.length} layers${total ? ` · ${humanSize(current)} / ${humanSize(total)}` : ''}`;
  }
}
