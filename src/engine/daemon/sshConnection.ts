import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as http from 'node:http';
import { Duplex } from 'node:stream';

/**
 * ssh:// hosts are reached as the docker CLI reaches them: the system `ssh` client runs `docker
 * system dial-stdio` on the host and the API is spoken over its stdin/stdout. So ~/.ssh/config
 * (aliases, ports, IdentityFile, ProxyJump), the ssh agent and known_hosts all apply, exactly as
 * for `docker -H ssh://...` in a terminal. BatchMode: there is no terminal to ask for a password or
 * to accept a new host key in; ssh fails at once and says why instead.
 */
export interface SshTarget {
  readonly host: string;
  /** Only when the URL names one, so ~/.ssh/config can supply them otherwise. */
  readonly port?: number;
  readonly username?: string;
}

export function sshArguments(target: SshTarget): string[] {
  return [
    '-o', 'ConnectTimeout=30', '-o', 'BatchMode=yes', '-T',
    ...(target.username ? ['-l', target.username] : []),
    ...(target.port ? ['-p', String(target.port)] : []),
    '--', target.host, 'docker', 'system', 'dial-stdio',
  ];
}

/** An http.Agent whose connections are ssh processes; idle ones are reused, all end with destroy(). */
export function sshAgent(target: SshTarget, sshCommand = 'ssh'): http.Agent {
  const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 1 });
  agent.createConnection = () => new CommandSocket(spawn(sshCommand, sshArguments(target), { stdio: 'pipe' }), target.host);
  return agent;
}

/** The error an ssh failure becomes: `code` SSH, ssh's own last words in the message. */
export class SshError extends Error {
  readonly code = 'ESSH';
  constructor(message: string) {
    super(message);
    this.name = 'SshError';
  }
}

/** A child process's stdio as the socket Node's HTTP client expects. */
class CommandSocket extends Duplex {
  private stderr = '';

  constructor(private readonly child: ChildProcessWithoutNullStreams, host: string) {
    super();
    child.stdout.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) child.stdout.pause();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-2000);
    });
    child.stdin.on('error', () => undefined); // the exit below says why
    child.on('error', (err: NodeJS.ErrnoException) => {
      this.destroy(err.code === 'ENOENT' ? new SshError(`no ssh client on PATH to reach ${host}; install OpenSSH`) : err);
    });
    // End of output is reported once ssh has exited, so its reason, not a bare hang-up, is the error.
    child.on('close', (code) => {
      if (code === 0 || this.destroyed) this.push(null);
      else this.destroy(new SshError(lastLine(this.stderr) || `ssh to ${host} exited with code ${code}`));
    });
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // A failed write (EPIPE) means ssh is exiting: its exit, below, reports why.
    this.child.stdin.write(chunk, () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.child.stdin.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.child.exitCode === null) this.child.kill();
    callback(error);
  }

  // What Node's HTTP client and Agent call on a socket.
  setKeepAlive(): this {
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setTimeout(): this {
    return this;
  }

  ref(): this {
    this.child.ref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) (s as unknown as { ref?: () => void }).ref?.();
    return this;
  }

  /** An idle kept-alive connection must not keep a CLI process alive. */
  unref(): this {
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) (s as unknown as { unref?: () => void }).unref?.();
    return this;
  }
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}
