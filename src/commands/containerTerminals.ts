import * as vscode from 'vscode';
import type { ContainerSummary, Engine, TerminalSession } from '../engine/engine';

/** Terminals show \r\n line ends; container output has \n. */
const crlf = (text: string) => text.replace(/\r?\n/g, '\r\n');

/**
 * Follows the logs of one or more containers in a terminal (like `docker logs -f`, or `docker
 * compose logs -f` for several, each line prefixed with the container's name). Closing the
 * terminal stops following.
 */
export function openLogTerminal(engine: Engine, containers: readonly ContainerSummary[], title: string, timestamps: boolean): vscode.Terminal {
  const write = new vscode.EventEmitter<string>();
  const abort = new AbortController();
  const width = Math.max(...containers.map((c) => c.name.length));
  const pty: vscode.Pseudoterminal = {
    onDidWrite: write.event,
    open: () => {
      for (const container of containers) {
        const prefix = containers.length > 1 ? `\x1b[36m${container.name.padEnd(width)} |\x1b[0m ` : '';
        void (async () => {
          let partial = '';
          try {
            for await (const chunk of engine.containerLogs(container.id, { follow: true, timestamps, signal: abort.signal })) {
              const lines = (partial + chunk.text).split('\n');
              partial = lines.pop() ?? '';
              for (const line of lines) write.fire(`${prefix}${chunk.stream === 'stderr' ? `\x1b[31m${line}\x1b[0m` : line}\r\n`);
            }
            if (partial) write.fire(`${prefix}${partial}\r\n`);
            if (!abort.signal.aborted) write.fire(`${prefix}\x1b[2m(${container.name} stopped)\x1b[0m\r\n`);
          } catch (err) {
            if (!abort.signal.aborted) write.fire(`${prefix}\x1b[31m${crlf(err instanceof Error ? err.message : String(err))}\x1b[0m\r\n`);
          }
        })();
      }
    },
    close: () => {
      abort.abort();
      write.dispose();
    },
  };
  const terminal = vscode.window.createTerminal({ name: title, pty, iconPath: new vscode.ThemeIcon('output') });
  terminal.show();
  return terminal;
}

/**
 * A terminal that only shows output (a build log). What is written before the terminal has opened
 * is kept and shown when it opens.
 */
export function openOutputTerminal(name: string, icon: string): (text: string) => void {
  const write = new vscode.EventEmitter<string>();
  let opened = false;
  const early: string[] = [];
  const terminal = vscode.window.createTerminal({
    name,
    iconPath: new vscode.ThemeIcon(icon),
    pty: {
      onDidWrite: write.event,
      open: () => {
        opened = true;
        for (const text of early.splice(0)) write.fire(text);
      },
      close: () => write.dispose(),
    },
  });
  terminal.show(true);
  return (text) => {
    const converted = crlf(text);
    if (opened) write.fire(converted);
    else early.push(converted);
  };
}

/** Bash when the image has it, else sh: what people mean by "a shell in the container". */
export const SHELL_COMMAND = ['/bin/sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi'];

/**
 * A terminal wired to an interactive process in a container (`docker exec -it` or `docker run
 * -it`). `start` is called with the terminal's size when it opens.
 */
export function openProcessTerminal(title: string, start: (size: { columns: number; rows: number }) => Promise<TerminalSession>, onFailure: (err: unknown) => void): vscode.Terminal {
  const write = new vscode.EventEmitter<string>();
  const close = new vscode.EventEmitter<number | void>();
  let session: TerminalSession | undefined;
  const pty: vscode.Pseudoterminal = {
    onDidWrite: write.event,
    onDidClose: close.event,
    open: (dimensions) => {
      void (async () => {
        try {
          session = await start({ columns: dimensions?.columns ?? 80, rows: dimensions?.rows ?? 24 });
          for await (const chunk of session.output) write.fire(chunk.toString('utf8'));
          const code = await session.exitCode().catch(() => undefined);
          close.fire(code ?? 0);
        } catch (err) {
          onFailure(err);
          close.fire(1);
        }
      })();
    },
    handleInput: (data) => session?.write(data),
    setDimensions: (d) => void session?.resize(d.columns, d.rows).catch(() => undefined),
    close: () => {
      session?.close();
      write.dispose();
      close.dispose();
    },
  };
  const terminal = vscode.window.createTerminal({ name: title, pty, iconPath: new vscode.ThemeIcon('terminal') });
  terminal.show();
  return terminal;
}
