import http from 'node:http';
import type net from 'node:net';

/**
 * An HTTP proxy in front of the test daemon that writes down every request it forwards
 * (`METHOD /path`, without the API version prefix and the query): what the engine really received,
 * to hold the extension's log against.
 */
export class RecordingProxy {
  readonly requests: string[] = [];
  private readonly server: http.Server;
  // Its own agent, destroyed on close: an upstream event stream or a kept-alive socket to the
  // daemon would otherwise keep the test process alive after the last test.
  private readonly agent = new http.Agent({ keepAlive: false });

  constructor(target: net.NetConnectOpts) {
    const upstream = 'path' in target ? { socketPath: target.path } : { host: target.host, port: target.port };
    this.server = http.createServer((req, res) => {
      this.requests.push(`${req.method} ${(req.url ?? '').split('?')[0].replace(/^\/v\d+\.\d+\//, '/')}`);
      const forward = http.request({ ...upstream, agent: this.agent, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        // A stream (events) answers with its headers alone: pass them on at once, as the daemon does.
        res.flushHeaders();
        answer.pipe(res);
      });
      forward.on('error', () => res.destroy());
      res.on('close', () => forward.destroy());
      req.pipe(forward);
    });
  }

  /** Listens on loopback; resolves to the port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.agent.destroy();
    await new Promise((r) => this.server.close(r));
  }
}
