import type { Duplex } from 'node:stream';
import type { TerminalSession } from '../engine';

/** A process's terminal over a hijacked connection (`docker exec -it`, `docker run -it`). */
export class DaemonTerminalSession implements TerminalSession {
  readonly output: AsyncIterable<Buffer>;

  constructor(
    private readonly stream: Duplex,
    private readonly resizeTo: (columns: number, rows: number) => Promise<unknown>,
    private readonly exited: () => Promise<number | undefined>,
  ) {
    this.output = stream;
  }

  write(data: string): void {
    if (!this.stream.destroyed) this.stream.write(data);
  }

  async resize(columns: number, rows: number): Promise<void> {
    await this.resizeTo(columns, rows);
  }

  exitCode(): Promise<number | undefined> {
    return this.exited();
  }

  close(): void {
    this.stream.destroy();
  }
}
