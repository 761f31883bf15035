import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProxyHandler = (req: IncomingMessage, res: ServerResponse, forward: () => Promise<IncomingMessage>) => void | Promise<void>;

export interface RegistryProxy {
  /** `127.0.0.1:port`, a registry host for references. */
  readonly host: string;
  close(): Promise<void>;
}

/** An HTTP server on loopback; `forward()` sends the request on to `upstream` (Host kept, so Locations come back pointing at the proxy). */
export async function startProxy(upstream: string, handler: ProxyHandler): Promise<RegistryProxy> {
  const [upHost, upPort] = upstream.split(':');
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const forward = () => new Promise<IncomingMessage>((resolve, reject) => {
      const out = http.request({ host: upHost, port: Number(upPort), method: req.method, path: req.url, headers: req.headers, agent }, resolve);
      out.on('error', reject);
      req.pipe(out);
    });
    Promise.resolve(handler(req, res, forward)).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502).end(String(err));
      else res.destroy();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    close: () => new Promise<void>((ok) => {
      agent.destroy();
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

/** Passes the upstream answer through unchanged. */
export async function passThrough(res: ServerResponse, forward: () => Promise<IncomingMessage>): Promise<void> {
  const up = await forward();
  res.writeHead(up.statusCode ?? 502, up.headers);
  up.pipe(res);
}

/** Reads a whole request or response body. */
export async function bodyOf(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
