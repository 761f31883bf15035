import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './tlsDaemon';

/**
 * A real OpenSSH server on a free loopback port, with a host key and a client key the test makes.
 * A session there runs with DOCKER_HOST set to the test daemon, so `docker system dial-stdio` (what
 * the docker CLI and Stevedore run on an ssh host) reaches it.
 *
 * OpenSSH reads ~/.ssh from the user's passwd entry, not from $HOME, so the client side's settings
 * (key, known_hosts) cannot be given as a test home folder: `clientPath` is a folder with an `ssh`
 * that runs the real /usr/bin/ssh with `-F` and the test's config, the way ~/.ssh/config would.
 */
export class SshHost {
  port = 0;
  readonly clientPath: string;
  private child?: ChildProcess;

  constructor(readonly dir: string, private readonly daemonHost: string) {
    this.clientPath = path.join(dir, 'bin');
  }

  url(user = 'root'): string {
    return `ssh://${user}@127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const at = (f: string) => path.join(this.dir, f);
    fs.mkdirSync(this.clientPath, { recursive: true });
    fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege separation directory
    for (const key of ['host_key', 'id_ed25519', 'other_key']) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `stevedore-test ${key}`, '-f', at(key)]);
    fs.copyFileSync(at('id_ed25519.pub'), at('authorized_keys'));
    this.port = await freePort();
    fs.writeFileSync(at('sshd_config'), [
      `Port ${this.port}`, 'ListenAddress 127.0.0.1', `HostKey ${at('host_key')}`, `PidFile ${at('sshd.pid')}`,
      `AuthorizedKeysFile ${at('authorized_keys')}`, 'PermitRootLogin prohibit-password', 'PasswordAuthentication no',
      'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no', `SetEnv DOCKER_HOST=${this.daemonHost}`, '',
    ].join('\n'));
    const hostKey = fs.readFileSync(at('host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    fs.writeFileSync(at('known_hosts'), `[127.0.0.1]:${this.port} ${hostKey}\n`);
    fs.writeFileSync(at('empty_known_hosts'), '');
    this.writeClient('ssh', 'id_ed25519', 'known_hosts');
    this.child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', at('sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    this.child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    for (let i = 0; i < 50; i++) {
      if (this.child.exitCode !== null) throw new Error(`sshd did not start: ${log}`);
      if (/Server listening/.test(log)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`sshd did not start within 5 s: ${log}`);
  }

  /** A client folder whose `ssh` uses another key or known_hosts, for the failure cases. */
  client(name: string, key: 'id_ed25519' | 'other_key', knownHosts: 'known_hosts' | 'empty_known_hosts'): string {
    return this.writeClient(name, key, knownHosts);
  }

  private writeClient(name: string, key: string, knownHosts: string): string {
    const at = (f: string) => path.join(this.dir, f);
    const bin = name === 'ssh' ? this.clientPath : at(`bin-${name}`);
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(at(`ssh_config-${name}`), [
      'Host 127.0.0.1', `  IdentityFile ${at(key)}`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${at(knownHosts)}`,
      '  StrictHostKeyChecking yes', '  GlobalKnownHostsFile /dev/null', '',
    ].join('\n'));
    fs.writeFileSync(path.join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F ${at(`ssh_config-${name}`)} "$@"\n`, { mode: 0o755 });
    return bin;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}
