import * as http from 'node:http';
import * as https from 'node:https';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';

/**
 * A hijacked connection (the raw stream of a process's terminal) for a POST with no body, as the
 * docker CLI makes it. dockerode always sends its options as a JSON body too, and Podman hands that
 * body to the process as its first input.
 */
export function hijack(options: Docker.DockerOptions, path: string, signal: AbortSignal): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const request = (options.protocol === 'https' ? https : http).request({
      socketPath: options.socketPath,
      host: options.socketPath ? undefined : options.host,
      port: options.socketPath ? undefined : options.port,
      agent: options.agent,
      ca: options.ca,
      cert: options.cert,
      key: options.key as Buffer | undefined,
      method: 'POST',
      path,
      headers: { Connection: 'Upgrade', Upgrade: 'tcp', 'Content-Length': '0' },
      signal,
    });
    request.on('upgrade', (_response, socket, head) => {
      if (head.length) socket.unshift(head);
      resolve(socket);
    });
    request.on('response', (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => reject(Object.assign(new Error(body.trim() || `HTTP ${response.statusCode}`), { statusCode: response.statusCode, json: safeJson(body) })));
    });
    request.on('error', reject);
    request.end();
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
