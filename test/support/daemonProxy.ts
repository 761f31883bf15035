import fs from 'node:fs';
import net from 'node:net';
import { resolveEndpoints } from '../../src/engine/daemon/endpoint';

/** A unix socket in front of the daemon that the test can cut and restore, like a daemon restart. */
export class DaemonProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  constructor(readonly socketPath: string, private readonly target: net.NetConnectOpts) {}

  async open(): Promise<void> {
    fs.rmSync(this.socketPath, { force: true });
    await this.listen(this.socketPath);
  }

  /** Listens somewhere else than `socketPath`, e.g. `{ host: '127.0.0.1', port }` for a tcp:// engine. */
  async listen(where: string | net.ListenOptions): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(where, resolve));
  }

  async cut(): Promise<void> {
    const closed = new Promise((r) => this.server?.close(r));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

/** Where the test daemon (DOCKER_HOST) listens, for a proxy to forward to. */
export function daemonTarget(): net.NetConnectOpts {
  const [daemon] = resolveEndpoints();
  switch (daemon.transport.kind) {
    case 'socket': return { path: daemon.transport.path };
    case 'tcp': return { host: daemon.transport.host, port: daemon.transport.port };
    case 'ssh': throw new Error('the test daemon must be on a socket or plain tcp');
  }
}
