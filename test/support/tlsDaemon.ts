import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { makeCertificates } from './certificates';

/** A port nothing listens on now, on loopback. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function whichMissing(...commands: string[]): string | undefined {
  for (const c of commands) {
    try {
      execFileSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' });
    } catch {
      return `${c} is not installed (scripts/test-services.sh install)`;
    }
  }
  return undefined;
}

/**
 * A second dockerd of the test's own, on a free loopback TCP port with --tlsverify and certificates
 * made by openssl: its own data root, exec root, pid file and bridge, and no firewall changes, so it
 * does not touch the test services' daemon. Stopped by its PID.
 *
 * Not `--bridge=none`: a dockerd started so deletes the docker0 link (removeDefaultBridgeInterface),
 * which takes the running test daemon's default network away. Its own bridge link instead, made
 * here and removed after.
 */
export class TlsDaemon {
  readonly certDir: string;
  port = 0;
  private child?: ChildProcess;
  private readonly bridge = `stvtls${process.pid.toString(16).slice(-5)}`;

  constructor(readonly dir: string) {
    this.certDir = path.join(dir, 'certs');
  }

  get host(): string {
    return `tcp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    makeCertificates(this.certDir);
    this.port = await freePort();
    const c = (f: string) => path.join(this.certDir, f);
    execFileSync('ip', ['link', 'add', this.bridge, 'type', 'bridge']);
    const log = fs.openSync(path.join(this.dir, 'dockerd.log'), 'w');
    this.child = spawn('dockerd', [
      '-H', this.host, '--tlsverify', '--tlscacert', c('ca.pem'), '--tlscert', c('server-cert.pem'), '--tlskey', c('server-key.pem'),
      '--data-root', path.join(this.dir, 'data'), '--exec-root', path.join(this.dir, 'exec'), '--pidfile', path.join(this.dir, 'dockerd.pid'),
      '--bridge', this.bridge, '--iptables=false', '--ip-forward=false', '--ip-masq=false',
    ], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    for (let i = 0; i < 150; i++) {
      if (this.child.exitCode !== null) break;
      try {
        this.docker('version', '--format', '{{.Server.Version}}');
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const output = fs.readFileSync(path.join(this.dir, 'dockerd.log'), 'utf8').split('\n').slice(-15).join('\n');
    await this.stop();
    throw new Error(`the TLS dockerd did not start:\n${output}`);
  }

  /** The docker CLI against this daemon, verifying it with the test CA. */
  docker(...args: string[]): string {
    return execFileSync('docker', args, {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000,
      env: { ...process.env, DOCKER_HOST: this.host, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: this.certDir },
    }).trim();
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    spawnSync('ip', ['link', 'del', this.bridge], { stdio: 'ignore' });
  }
}
