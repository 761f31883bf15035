import { humanSize, printable } from '../engine/humanize';

/** A layer's progress as the CLI shows it: `id`, a status, bytes so far and the total. */
export interface LayerProgress {
  readonly id?: string;
  readonly status: string;
  readonly current?: number;
  readonly total?: number;
}

/**
 * Renders pull/push progress: on a terminal one line per layer redrawn in place (at most 10 times
 * a second), elsewhere one plain line each time a layer's status changes.
 */
export class TransferView {
  private readonly lines = new Map<string, LayerProgress>();
  private drawn = 0;
  private lastDraw = 0;
  private readonly lastStatus = new Map<string, string>();

  constructor(private readonly out: NodeJS.WriteStream = process.stderr, private readonly tty = Boolean(out.isTTY)) {}

  update(event: LayerProgress): void {
    const id = event.id ?? '';
    if (!this.tty) {
      if (this.lastStatus.get(id) === event.status) return;
      this.lastStatus.set(id, event.status);
      this.out.write(`${id ? `${printable(id, true)}: ` : ''}${printable(event.status, true)}${event.total && event.status !== 'Waiting' ? ` (${humanSize(event.total)})` : ''}\n`);
      return;
    }
    this.lines.set(id, event);
    const now = Date.now();
    if (now - this.lastDraw >= 100 || event.status !== 'Downloading' && event.status !== 'Pushing') this.draw(now);
  }

  /** The last frame, so the final state stays on screen. */
  finish(): void {
    if (this.tty && this.lines.size) this.draw(Date.now());
  }

  private draw(now: number): void {
    this.lastDraw = now;
    const width = Math.max(40, (this.out.columns ?? 80) - 1);
    const text = [...this.lines.values()].map((e) => line(e).slice(0, width));
    this.out.write(`${this.drawn ? `\x1b[${this.drawn}A` : ''}${text.map((t) => `\x1b[2K${t}\n`).join('')}`);
    this.drawn = text.length;
  }
}

function line(e: LayerProgress): string {
  const head = `${e.id ? `${printable(e.id, true)}: ` : ''}${printable(e.status, true).padEnd(17)}`;
  if ((e.status !== 'Downloading' && e.status !== 'Pushing') || !e.total) return head.trimEnd();
  const fraction = Math.min(1, (e.current ?? 0) / e.total);
  const bar = `[${'='.repeat(Math.max(0, Math.round(fraction * 40) - 1))}>${' '.repeat(40 - Math.max(1, Math.round(fraction * 40)))}]`;
  return `${head} ${bar} ${humanSize(e.current ?? 0)}/${humanSize(e.total)}`;
}
