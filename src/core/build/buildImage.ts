import fs from 'node:fs/promises';
import path from 'node:path';
import { parseDockerfile } from '../../dockerfile/dockerfileParser';
import { buildModel, keyValues, type DockerfileModel } from '../../dockerfile/model';
import { parseReference } from '../registry/imageReference';
import { defaultPullPlatform, parsePlatform } from '../registry/platform';
import { RegistryClient } from '../registry/registryClient';
import { hostPlatform, MediaType, type Descriptor, type Platform } from '../store/descriptor';
import type { ImageStore } from '../store/imageStore';
import { pullImage } from '../transfer/pullImage';
import { BuildCache, stepKey } from './buildCache';
import { DEFAULT_PATH, emptyConfig, envValue, type ContainerConfig, type ImageConfigFile } from './buildConfig';
import { SourceTree } from './buildContext';
import { BuildError } from './buildError';
import { expandWord } from './shellWords';
import { StageBuilder, type StageContext } from './stageBuilder';
import { BuildWorkspace, cloneState, materialize, type StageState } from './stageState';

export interface CoreBuildOptions {
  contextDir: string;
  /** The Dockerfile's path (relative to the working directory, as `docker build -f`); default `<context>/Dockerfile`. */
  dockerfile?: string;
  tags?: string[];
  target?: string;
  buildArgs?: Record<string, string>;
  noCache?: boolean;
  platform?: string;
  signal?: AbortSignal;
  onEvent?: (e: BuildEvent) => void;
  /** Pulls a FROM image missing from the store; default: a client with the Docker credentials. */
  registry?: RegistryClient;
}

export type BuildEvent =
  | { kind: 'step'; step: number; total: number; stage?: string; instruction: string; line: number }
  | { kind: 'cached'; step: number }
  | { kind: 'output'; step: number; text: string }
  | { kind: 'layer'; step: number; digest: string; size: number }
  | { kind: 'done'; imageId: string; tags: string[] };

export { BuildError } from './buildError';

const OCI_LAYER: Record<string, string> = {
  [MediaType.dockerLayerGzip]: MediaType.ociLayerGzip,
  [MediaType.dockerLayer]: MediaType.ociLayer,
};

function platformString(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

function predefinedArgs(target: Platform): Map<string, string> {
  const build = defaultPullPlatform();
  return new Map([
    ['TARGETPLATFORM', platformString(target)], ['TARGETOS', target.os], ['TARGETARCH', target.architecture], ['TARGETVARIANT', target.variant ?? ''],
    ['BUILDPLATFORM', platformString(build)], ['BUILDOS', build.os], ['BUILDARCH', build.architecture], ['BUILDVARIANT', build.variant ?? ''],
  ]);
}

/** The stages `target` needs: its FROM parent chain and COPY --from stages, transitively. */
function neededStages(model: DockerfileModel, target: number): Set<number> {
  const needed = new Set<number>();
  const visit = (i: number): void => {
    if (needed.has(i)) return;
    needed.add(i);
    const stage = model.stages[i];
    if (stage.parent !== undefined) visit(stage.parent);
    for (const ins of stage.instructions) {
      const from = ins.flags.find((f) => f.name === 'from')?.value;
      if (from === undefined) continue;
      const j = /^\d+$/.test(from) ? Number(from) : model.stageByName(from)?.index;
      if (j !== undefined && j < i) visit(j);
    }
  };
  visit(target);
  return needed;
}

/**
 * `docker build` by the core: the Dockerfile's stages (only those the target needs, as BuildKit
 * does) built step by step through the layer cache, RUN in the core sandbox, each file step a
 * gzip layer in the store; the target stage becomes an OCI image, tagged only once complete.
 */
export async function buildImage(store: ImageStore, options: CoreBuildOptions): Promise<{ imageId: string; manifest: Descriptor }> {
  const dockerfile = options.dockerfile ? path.resolve(options.dockerfile) : path.join(path.resolve(options.contextDir), 'Dockerfile');
  let text: string;
  try {
    text = await fs.readFile(dockerfile, 'utf8');
  } catch (err) {
    throw new BuildError(`failed to read the Dockerfile ${dockerfile}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const doc = parseDockerfile(text);
  if (doc.problems.length) throw new BuildError(doc.problems[0].message, doc.problems[0].range.start.line + 1);
  const model = buildModel(doc);
  const firstFrom = doc.instructions.findIndex((i) => i.keyword === 'FROM');
  if (firstFrom < 0) throw new BuildError('the Dockerfile has no FROM: no build stage');
  const early = doc.instructions.slice(0, firstFrom).find((i) => i.keyword !== 'ARG');
  if (early) throw new BuildError(`${early.keyword} before the first FROM: only ARG may come before it`, early.startLine + 1);

  const platform = options.platform ? parsePlatform(options.platform) : defaultPullPlatform();
  const host = hostPlatform();
  const predefined = predefinedArgs(platform);
  const buildArgs = options.buildArgs ?? {};
  const globalArgs = new Map<string, string | undefined>();
  for (const ins of doc.instructions.slice(0, firstFrom)) {
    for (const kv of keyValues(ins)) {
      const raw = kv.valueStart === undefined ? undefined : ins.text.text.slice(kv.valueStart, kv.end);
      const lookup = (n: string): string | undefined => globalArgs.get(n) ?? predefined.get(n);
      globalArgs.set(kv.key, buildArgs[kv.key] ?? (raw === undefined ? undefined : expandWord(raw, lookup, doc.escape).value));
    }
  }
  let target = model.stages.length - 1;
  if (options.target) {
    const stage = model.stageByName(options.target);
    if (!stage) throw new BuildError(`target stage "${options.target}" could not be found`);
    target = stage.index;
  }

  const needed = neededStages(model, target);
  const total = [...needed].reduce((n, i) => n + 1 + model.stages[i].instructions.length, 0);
  const home = path.dirname(store.root);
  const workspace = await BuildWorkspace.create(home);
  const cache = await BuildCache.open(store);
  const context = await SourceTree.forContext(options.contextDir, dockerfile, cache.dir);
  const emit = (e: BuildEvent): void => options.onEvent?.(e);
  const built = new Map<number, Promise<StageState>>();
  let step = 0;
  let registry = options.registry;

  const baseImage = async (ref: string, basePlatform: Platform): Promise<{ config: ImageConfigFile; layers: Descriptor[]; id: string }> => {
    let descriptor = await store.resolve(ref);
    if (!descriptor) {
      registry ??= new RegistryClient({ userAgent: 'stevedore-build' });
      descriptor = (await pullImage(registry, store, parseReference(ref), { platform: basePlatform, signal: options.signal })).descriptor;
    }
    const { manifest } = await store.resolveManifest(descriptor, basePlatform);
    const config = await store.readJson<ImageConfigFile>(manifest.config.digest);
    const layers = manifest.layers.map((l) => ({ mediaType: OCI_LAYER[l.mediaType] ?? l.mediaType, digest: l.digest, size: l.size }));
    return { config, layers, id: manifest.config.digest };
  };

  const stageIndex = (ref: string, before: number): number | undefined => {
    const j = /^\d+$/.test(ref) ? Number(ref) : model.stageByName(ref)?.index;
    return j !== undefined && j < before ? j : undefined;
  };

  const ctx: StageContext = {
    store, model, context, cache, workspace, platform, platformText: platformString(platform),
    canRun: platform.os === 'linux' && platform.architecture === host.architecture,
    noCache: !!options.noCache, buildArgs, globalArgs, predefinedArgs: predefined, signal: options.signal, emit,
    async stageFiles(ref, before) {
      const j = stageIndex(ref, before);
      if (j === undefined) return undefined;
      const state = await buildStage(j);
      return { key: `stage:${state.key}`, tree: async () => new SourceTree(await materialize(state, store, workspace)) };
    },
    async imageFiles(ref) {
      const image = await baseImage(ref, platform);
      const state: StageState = { index: -1, config: image.config, layers: image.layers, key: image.id, args: new Map(), cmdSet: false };
      return { key: `image:${image.id}`, tree: async () => new SourceTree(await materialize(state, store, workspace)) };
    },
  };

  const buildStage = (i: number): Promise<StageState> => {
    let promise = built.get(i);
    if (!promise) {
      promise = (async () => {
        const stage = model.stages[i];
        const from = stage.from;
        const line = from.startLine + 1;
        if (options.signal?.aborted) throw new BuildError('the build was cancelled');
        emit({ kind: 'step', step: ++step, total, stage: stage.name, instruction: `FROM ${from.argsText}`, line });
        const globals = (n: string): string | undefined => globalArgs.get(n) ?? predefined.get(n);
        if (!stage.image) throw new BuildError('FROM requires an image (FROM <image> [AS <name>])', line);
        const imageText = expandWord(stage.image.raw, globals, doc.escape).value;
        const platformFlag = from.flags.find((f) => f.name === 'platform')?.value;
        const basePlatform = platformFlag ? parsePlatform(expandWord(platformFlag, globals, doc.escape).value) : platform;
        let state: StageState;
        const parent = stageIndex(imageText.toLowerCase(), i);
        if (parent !== undefined && !/^\d+$/.test(imageText)) {
          state = cloneState(await buildStage(parent), i, stage.name);
        } else if (imageText === 'scratch') {
          state = { index: i, name: stage.name, config: emptyConfig(basePlatform), layers: [], key: stepKey({ parent: 'scratch', instruction: '', platform: platformString(basePlatform) }), args: new Map(), cmdSet: false };
        } else {
          let image;
          try {
            image = await baseImage(imageText, basePlatform);
          } catch (err) {
            throw new BuildError(`FROM ${imageText}: ${(err as Error).message}`, line);
          }
          const config: ImageConfigFile = {
            architecture: image.config.architecture, os: image.config.os, ...(image.config.variant ? { variant: image.config.variant } : {}),
            config: withPath(image.config.config ?? {}), rootfs: { type: 'layers', diff_ids: [...(image.config.rootfs?.diff_ids ?? [])] }, history: [...(image.config.history ?? [])],
          };
          state = { index: i, name: stage.name, config, layers: image.layers, key: stepKey({ parent: image.id, instruction: '', platform: platformString(basePlatform) }), args: new Map(), cmdSet: false };
        }
        const builder = new StageBuilder(ctx, state);
        await builder.triggers(step, line);
        for (const ins of stage.instructions) {
          if (options.signal?.aborted) throw new BuildError('the build was cancelled');
          emit({ kind: 'step', step: ++step, total, stage: stage.name, instruction: `${ins.keyword} ${ins.text.text.slice(ins.textStart).trim()}`, line: ins.startLine + 1 });
          await builder.step(ins, step);
        }
        return state;
      })();
      built.set(i, promise);
    }
    return promise;
  };

  try {
    for (const i of [...needed].sort((a, b) => a - b)) await buildStage(i);
    const final = await buildStage(target);
    return await writeImage(store, final, options.tags ?? [], emit);
  } finally {
    await Promise.allSettled(built.values());
    await workspace.remove();
  }
}

/** Docker's builders give an image without PATH the default one. */
function withPath(config: ContainerConfig): ContainerConfig {
  return envValue(config.Env ?? undefined, 'PATH') === undefined ? { ...config, Env: [...(config.Env ?? []), DEFAULT_PATH] } : config;
}

async function writeImage(store: ImageStore, state: StageState, tags: readonly string[], emit: (e: BuildEvent) => void): Promise<{ imageId: string; manifest: Descriptor }> {
  const history = state.config.history ?? [];
  const created = history.at(-1)?.created ?? new Date().toISOString();
  const config = { ...state.config, created, config: { ...state.config.config } };
  if (!config.config.OnBuild?.length) delete config.config.OnBuild;
  const configDesc = { mediaType: MediaType.ociConfig, ...(await store.writeBlob(Buffer.from(JSON.stringify(config)))) };
  const manifest = { schemaVersion: 2, mediaType: MediaType.ociManifest, config: configDesc, layers: state.layers };
  const descriptor: Descriptor = { mediaType: MediaType.ociManifest, ...(await store.writeBlob(Buffer.from(JSON.stringify(manifest)))) };
  if (tags.length) for (const tag of tags) await store.tag(tag, descriptor);
  else await store.keepUntagged(descriptor);
  emit({ kind: 'done', imageId: configDesc.digest, tags: [...tags] });
  return { imageId: configDesc.digest, manifest: descriptor };
}
