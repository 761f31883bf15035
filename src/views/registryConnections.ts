import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { CredentialLookup, RegistryCredentials } from '../core/registry/dockerCredentials';
import { parseReference } from '../core/registry/imageReference';
import type { RegistryClient } from '../core/registry/registryClient';
import type { RegistryCredentials as EngineCredentials } from '../engine/engine';
import type { SavedRegistry } from './registryModel';

const STATE_KEY = 'stevedore.registries';
const secretKey = (host: string) => `stevedore.registry.password:${host}`;

/**
 * The connected registries: host, user name and flags in globalState, passwords and tokens in
 * SecretStorage only. One RegistryClient (loaded on first use) serves them all (TLS settings from
 * `stevedore.registries.*`); it is replaced when the settings or any credentials change, so its
 * cached tokens and credentials never outlive them.
 */
export class RegistryConnections implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private current: RegistryClient | undefined;
  private loaded: Promise<typeof import('./registryRuntime')> | undefined;
  private fromDocker: CredentialLookup | undefined;
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

  /** The registry code (dist/registryRuntime.js), loaded the first time it is needed. */
  runtime(): Promise<typeof import('./registryRuntime')> {
    return (this.loaded ??= import('./registryRuntime'));
  }

  /** The client, with the current settings and credentials. */
  async client(): Promise<RegistryClient> {
    const runtime = await this.runtime();
    return (this.current ??= this.makeClient(runtime, (host) => this.credentials(host)));
  }

  /** A client for trying credentials before they are saved (the ping on connect). */
  async trialClient(host: string, credentials: RegistryCredentials | undefined): Promise<RegistryClient> {
    return this.makeClient(await this.runtime(), (h) => Promise.resolve(h === host ? credentials : undefined));
  }

  /** The credentials used for `host`: ours from SecretStorage, or Docker's when the user chose those. */
  async credentials(host: string): Promise<RegistryCredentials | undefined> {
    const saved = this.get(host);
    if (!saved) return undefined;
    if (saved.useDockerCredentials) return this.dockerCredentials(host);
    if (saved.username === undefined) return undefined;
    return { username: saved.username, password: (await this.secrets.get(secretKey(host))) ?? '' };
  }

  /**
   * What the engine needs to pull or push `reference`: the Registries view's credentials when its
   * registry is connected there, else Docker's (the daemon reads no config; the docker CLI sends
   * them with each request). A login that is only an identity token is not passed.
   */
  async engineCredentials(reference: string): Promise<EngineCredentials | undefined> {
    let host: string;
    try {
      host = parseReference(reference).domain;
    } catch {
      return undefined;
    }
    const found = this.get(host) ? await this.credentials(host) : await this.dockerCredentials(host);
    if (found?.username === undefined || found.password === undefined) return undefined;
    return { serverAddress: (await this.runtime()).configKey(host), username: found.username, password: found.password };
  }

  /** What Docker's config holds for `host`, for the connect flow's choice. */
  async dockerCredentials(host: string): Promise<RegistryCredentials | undefined> {
    this.fromDocker ??= (await this.runtime()).dockerCredentials();
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

  private makeClient(runtime: typeof import('./registryRuntime'), credentials: CredentialLookup): RegistryClient {
    const settings = vscode.workspace.getConfiguration('stevedore.registries');
    const strings = (key: string) => (settings.get<unknown[]>(key, []) ?? []).filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim());
    return new runtime.RegistryClient({
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
