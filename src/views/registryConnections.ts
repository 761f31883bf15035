import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { dockerCredentials, type RegistryCredentials } from '../core/registry/dockerCredentials';
import { RegistryClient } from '../core/registry/registryClient';
import type { SavedRegistry } from './registryModel';

const STATE_KEY = 'stevedore.registries';
const secretKey = (host: string) => `stevedore.registry.password:${host}`;

/**
 * The connected registries: host, user name and flags in globalState, passwords and tokens in
 * SecretStorage only. One RegistryClient serves them all (TLS settings from
 * `stevedore.registries.*`); it is replaced when the settings or any credentials change, so its
 * cached tokens and credentials never outlive them.
 */
export class RegistryConnections implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private current: RegistryClient | undefined;
  private readonly fromDocker = dockerCredentials();
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly state: vscode.Memento, private readonly secrets: vscode.SecretStorage) {
    this.disposables = [
      this.changed,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('stevedore.registries')) this.reset();
      }),
      secrets.onDidChange(() => this.reset()),
    ];
  }

  list(): SavedRegistry[] {
    return [...this.state.get<SavedRegistry[]>(STATE_KEY, [])];
  }

  get(host: string): SavedRegistry | undefined {
    return this.list().find((r) => r.host === host);
  }

  /** The client, with the current settings and credentials. */
  client(): RegistryClient {
    return (this.current ??= this.makeClient((host) => this.credentials(host)));
  }

  /** A client for trying credentials before they are saved (the ping on connect). */
  trialClient(host: string, credentials: RegistryCredentials | undefined): RegistryClient {
    return this.makeClient((h) => Promise.resolve(h === host ? credentials : undefined));
  }

  /** The credentials used for `host`: ours from SecretStorage, or Docker's when the user chose those. */
  async credentials(host: string): Promise<RegistryCredentials | undefined> {
    const saved = this.get(host);
    if (!saved) return undefined;
    if (saved.useDockerCredentials) return this.fromDocker(host);
    if (saved.username === undefined) return undefined;
    return { username: saved.username, password: (await this.secrets.get(secretKey(host))) ?? '' };
  }

  /** What Docker's config holds for `host`, for the connect flow's choice. */
  dockerCredentials(host: string): Promise<RegistryCredentials | undefined> {
    return this.fromDocker(host);
  }

  async save(registry: SavedRegistry, password?: string): Promise<void> {
    if (password !== undefined) await this.secrets.store(secretKey(registry.host), password);
    else await this.secrets.delete(secretKey(registry.host));
    await this.state.update(STATE_KEY, [...this.list().filter((r) => r.host !== registry.host), registry]);
    this.reset();
  }

  async setRepositories(host: string, repositories: readonly string[]): Promise<void> {
    const saved = this.get(host);
    if (!saved) return;
    await this.state.update(STATE_KEY, this.list().map((r) => (r.host === host ? { ...r, repositories: [...repositories] } : r)));
    this.changed.fire();
  }

  async remove(host: string): Promise<void> {
    await this.secrets.delete(secretKey(host));
    await this.state.update(STATE_KEY, this.list().filter((r) => r.host !== host));
    this.reset();
  }

  dispose(): void {
    this.current?.close();
    for (const d of this.disposables) d.dispose();
  }

  private reset(): void {
    this.current?.close();
    this.current = undefined;
    this.changed.fire();
  }

  private makeClient(credentials: (host: string) => Promise<RegistryCredentials | undefined>): RegistryClient {
    const settings = vscode.workspace.getConfiguration('stevedore.registries');
    const strings = (key: string) => (settings.get<unknown[]>(key, []) ?? []).filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim());
    return new RegistryClient({
      credentials,
      insecureHosts: strings('insecureHosts'),
      caFiles: strings('caFiles').map((f) => (f.startsWith('~/') ? path.join(os.homedir(), f.slice(2)) : f)).filter((f) => {
        if (fs.existsSync(f)) return true;
        void vscode.window.showWarningMessage(`stevedore.registries.caFiles: ${f} does not exist; it is left out.`);
        return false;
      }),
      userAgent: 'stevedore-vscode',
    });
  }
}
