import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { sleep } from './coreEvents';

const run = promisify(execFile);

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * A process on a pseudo-terminal without a native addon: util-linux `script` allocates the pty
 * and relays it over pipes; the pty's size is set from outside with `stty -F` on its slave device,
 * which also sends the process SIGWINCH, as a resize in a real terminal does.
 */
export class PtyProcess {
  readonly child: ChildProcess;
  private readonly device: Promise<string | undefined>;
  private resizing = Promise.resolve();

  constructor(argv: readonly string[], size: { columns: number; rows: number }) {
    // The first size is set on the pty before the command runs, so nothing reads a 0x0 terminal.
    const command = `stty cols ${size.columns} rows ${size.rows} 2>/dev/null; exec ${argv.map(quote).join(' ')}`;
    this.child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', SHELL: '/bin/sh', TERM: 'xterm-256color' },
    });
    this.device = this.findDevice();
  }

  /** Sets the terminal size (no-op once the process has ended); one after the other, the last one wins. */
  resize(columns: number, rows: number): Promise<void> {
    this.resizing = this.resizing.then(async () => {
      const device = await this.device;
      if (device) await run('stty', ['-F', device, 'cols', String(columns), 'rows', String(rows)]).catch(() => undefined);
    });
    return this.resizing;
  }

  /** The slave side (/dev/pts/N): what the child of `script` has as its stdin. */
  private async findDevice(): Promise<string | undefined> {
    const pid = this.child.pid;
    for (let i = 0; pid && i < 100 && this.child.exitCode === null; i++) {
      try {
        const child = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0];
        const device = child ? fs.readlinkSync(`/proc/${child}/fd/0`) : '';
        if (device.startsWith('/dev/pts/')) return device;
      } catch {
        // not there yet
      }
      await sleep(10);
    }
    return undefined;
  }
}
