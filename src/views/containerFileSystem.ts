import * as vscode from 'vscode';
import { listContainerDirectory, readContainerFile } from '../engine/containerFiles';
import type { Engine } from '../engine/engine';
import type { EngineConnection } from '../engine/engineConnection';

export const CONTAINER_FILES_SCHEME = 'stevedore-container';

/** `stevedore-container://<container id>/<path>`: a file or folder inside a container. */
export function containerFileUri(containerId: string, path: string): vscode.Uri {
  return vscode.Uri.from({ scheme: CONTAINER_FILES_SCHEME, authority: containerId, path });
}

const TYPES: Record<string, vscode.FileType> = { file: vscode.FileType.File, directory: vscode.FileType.Directory, symlink: vscode.FileType.SymbolicLink };

/** A container's files, read-only, through the engine's archive API (running or stopped containers). */
export class ContainerFileSystem implements vscode.FileSystemProvider {
  private readonly never = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.never.event;

  constructor(private readonly connection: EngineConnection) {}

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const s = await this.engine().containerPathStat(uri.authority, uri.path || '/').catch((err: unknown) => { throw asFsError(err, uri); });
    return { type: TYPES[s.type] ?? vscode.FileType.Unknown, size: s.size, mtime: s.mtime, ctime: s.mtime, permissions: vscode.FilePermission.Readonly };
  }

  async readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    const entries = await listContainerDirectory(this.engine(), uri.authority, uri.path || '/').catch((err: unknown) => { throw asFsError(err, uri); });
    return entries.map((e) => [e.name, TYPES[e.type] ?? vscode.FileType.Unknown]);
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return readContainerFile(this.engine(), uri.authority, uri.path).catch((err: unknown) => { throw asFsError(err, uri); });
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  createDirectory(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  writeFile(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  delete(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  rename(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  private engine(): Engine {
    const state = this.connection.state;
    if (state.status !== 'connected') throw vscode.FileSystemError.Unavailable('No container engine is connected.');
    return state.engine;
  }
}

function asFsError(err: unknown, uri: vscode.Uri): vscode.FileSystemError {
  if ((err as { reason?: string }).reason === 'notFound') return vscode.FileSystemError.FileNotFound(uri);
  return vscode.FileSystemError.Unavailable(err instanceof Error ? err.message : String(err));
}
