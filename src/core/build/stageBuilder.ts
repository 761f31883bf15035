import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseDockerfile } from '../../dockerfile/dockerfileParser';
import { keyValues, type DockerfileModel } from '../../dockerfile/model';
import type { Instruction } from '../../dockerfile/syntax';
import { applyImageLayer } from '../run/rootfs';
import { resolveInRoot } from '../run/rootPath';
import type { Platform } from '../store/descriptor';
import type { ImageStore } from '../store/imageStore';
import { BuildCache, stepKey } from './buildCache';
import { envValue, exposedPorts, goList, parseDuration, setEnv } from './buildConfig';
import { SourceTree } from './buildContext';
import { BuildError } from './buildError';
import { downloadUrl, extractArchive, isArchive } from './addSources';
import { copySources, resolveOwner } from './fileCopy';
import { writeLayer } from './layerWriter';
import { HOST_FILES, runInRootfs } from './runStep';
import { expandHeredoc, expandWord, expandWords } from './shellWords';
import { materialize, type BuildWorkspace, type StageState } from './stageState';
import { diffTrees, snapshotTree } from './treeSnapshot';
import type { BuildEvent } from './buildImage';

export interface StageContext {
  readonly store: ImageStore;
  readonly model: DockerfileModel;
  readonly context: SourceTree;
  readonly cache: BuildCache;
  readonly workspace: BuildWorkspace;
  readonly platform: Platform;
  readonly platformText: string;
  readonly canRun: boolean;
  readonly noCache: boolean;
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly globalArgs: ReadonlyMap<string, string | undefined>;
  readonly predefinedArgs: ReadonlyMap<string, string>;
  readonly signal?: AbortSignal;
  emit(e: BuildEvent): void;
  /** A stage by name or index, built (and its files made) on demand. */
  stageFiles(ref: string, before: number): Promise<LazySource | undefined>;
  imageFiles(ref: string): Promise<LazySource>;
}

/** Another stage's or image's files for COPY --from: the key at once, the files only on a cache miss. */
export interface LazySource {
  readonly key: string;
  tree(): Promise<SourceTree>;
}

const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** Runs one instruction of a stage: metadata into the config, files into a new layer, both through the cache. */
export class StageBuilder {
  constructor(private readonly ctx: StageContext, private readonly state: StageState) {}

  private lookup = (name: string): string | undefined => {
    const env = envValue(this.state.config.config.Env, name);
    if (env !== undefined) return env;
    return this.state.args.get(name);
  };

  private word(raw: string): string {
    return expandWord(raw, this.lookup, this.ctx.model.doc.escape).value;
  }

  private words(raw: string): string[] {
    return expandWords(raw, this.lookup, this.ctx.model.doc.escape).words;
  }

  private flag(ins: Instruction, name: string): string | undefined {
    const f = ins.flags.find((x) => x.name === name);
    if (!f) return undefined;
    return this.word(f.value ?? '');
  }

  private checkFlags(ins: Instruction, allowed: readonly string[]): void {
    for (const f of ins.flags) {
      if (!allowed.includes(f.name)) throw new BuildError(`unknown flag: --${f.name} (${ins.keyword} takes ${allowed.map((a) => `--${a}`).join(', ') || 'no flags'})`);
    }
  }

  async step(ins: Instruction, step: number): Promise<void> {
    try {
      await this.dispatch(ins, step);
    } catch (err) {
      if (err instanceof BuildError) throw err.at(ins.startLine + 1);
      throw new BuildError((err as Error).message, ins.startLine + 1);
    }
  }

  private async dispatch(ins: Instruction, step: number): Promise<void> {
    const c = this.state.config.config;
    switch (ins.keyword) {
      case 'ARG': return this.arg(ins);
      case 'ENV': {
        const pairs = this.pairs(ins);
        for (const [k, v] of pairs) c.Env = setEnv(c.Env, k, v);
        return this.meta(step, `ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`);
      }
      case 'LABEL': {
        const pairs = this.pairs(ins);
        c.Labels = { ...c.Labels };
        for (const [k, v] of pairs) c.Labels[k] = v;
        return this.meta(step, `LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}`);
      }
      case 'USER': {
        c.User = this.word(ins.argsText);
        return this.meta(step, `USER ${c.User}`);
      }
      case 'EXPOSE': {
        const ports = this.words(ins.argsText).flatMap(exposedPorts);
        c.ExposedPorts = { ...c.ExposedPorts };
        for (const p of ports) c.ExposedPorts[p] = {};
        return this.meta(step, `EXPOSE map[${ports.map((p) => `${p}:{}`).join(' ')}]`);
      }
      case 'VOLUME': {
        const vols = ins.json ? ins.json.values.map((v) => this.word(v)) : this.words(ins.argsText);
        if (!vols.length || vols.some((v) => !v.trim())) throw new BuildError('VOLUME specified can not be an empty string');
        c.Volumes = { ...c.Volumes };
        for (const v of vols) c.Volumes[v] = {};
        return this.meta(step, `VOLUME [${vols.join(' ')}]`);
      }
      case 'STOPSIGNAL': {
        c.StopSignal = this.word(ins.argsText);
        return this.meta(step, `STOPSIGNAL ${c.StopSignal}`);
      }
      case 'CMD': {
        c.Cmd = this.command(ins);
        this.state.cmdSet = true;
        return this.meta(step, `CMD ${goList(c.Cmd)}`);
      }
      case 'ENTRYPOINT': {
        c.Entrypoint = this.command(ins);
        if (!this.state.cmdSet) c.Cmd = null;
        return this.meta(step, `ENTRYPOINT ${goList(c.Entrypoint)}`);
      }
      case 'SHELL': {
        if (!ins.json || !ins.json.values.length) throw new BuildError('SHELL requires the arguments to be in JSON form, e.g. SHELL ["/bin/bash", "-c"]');
        c.Shell = [...ins.json.values];
        return this.meta(step, `SHELL ${goList(c.Shell)}`);
      }
      case 'HEALTHCHECK': return this.healthcheck(ins, step);
      case 'ONBUILD': {
        const trigger = ins.argsText.trim();
        const keyword = trigger.split(/\s+/)[0]?.toUpperCase();
        if (!keyword) throw new BuildError('ONBUILD needs an instruction');
        if (['ONBUILD', 'FROM', 'MAINTAINER'].includes(keyword)) throw new BuildError(`${keyword} isn't allowed as an ONBUILD trigger`);
        c.OnBuild = [...(c.OnBuild ?? []), trigger];
        return this.meta(step, `ONBUILD ${trigger}`);
      }
      case 'MAINTAINER': return this.meta(step, `MAINTAINER ${this.word(ins.argsText)}`);
      case 'WORKDIR': return this.workdir(ins, step);
      case 'RUN': return this.run(ins, step);
      case 'COPY': case 'ADD': return this.copy(ins, step);
      default: throw new BuildError(`unknown instruction: ${ins.keyword}`);
    }
  }

  /** Runs the ONBUILD triggers of the base image, as the first steps of the stage. */
  async triggers(step: number, line: number): Promise<void> {
    const triggers = this.state.config.config.OnBuild ?? [];
    this.state.config.config.OnBuild = null;
    for (const trigger of triggers) {
      const parsed = parseDockerfile(trigger).instructions[0];
      if (!parsed) continue;
      try {
        await this.dispatch(parsed, step);
      } catch (err) {
        throw new BuildError(`ONBUILD ${trigger}: ${(err as Error).message}`, line);
      }
    }
  }

  private arg(ins: Instruction): void {
    for (const kv of keyValues(ins)) {
      const raw = kv.valueStart === undefined ? undefined : ins.text.text.slice(kv.valueStart, kv.end);
      const fallback = raw === undefined ? (this.ctx.predefinedArgs.get(kv.key) ?? this.ctx.globalArgs.get(kv.key)) : this.word(raw);
      this.state.args.set(kv.key, this.ctx.buildArgs[kv.key] ?? fallback);
    }
  }

  private pairs(ins: Instruction): [string, string][] {
    const kvs = keyValues(ins);
    if (!kvs.length) throw new BuildError(`${ins.keyword} requires at least one argument`);
    return kvs.map((kv) => {
      if (kv.valueStart === undefined) throw new BuildError(`${ins.keyword} names must be followed by a value: ${kv.key}`);
      const key = this.word(ins.text.text.slice(kv.keyStart, kv.keyEnd));
      if (!key) throw new BuildError(`${ins.keyword} names can not be blank`);
      return [key, this.word(ins.text.text.slice(kv.valueStart, kv.end))];
    });
  }

  private command(ins: Instruction): string[] {
    if (ins.json) return [...ins.json.values];
    return [...(this.state.config.config.Shell ?? DEFAULT_SHELL), ins.argsText];
  }

  private async healthcheck(ins: Instruction, step: number): Promise<void> {
    this.checkFlags(ins, ['interval', 'timeout', 'start-period', 'start-interval', 'retries']);
    const c = this.state.config.config;
    const args = ins.argsText.trim();
    const [type] = args.split(/\s+/, 1);
    if (type.toUpperCase() === 'NONE') {
      if (args.length > 4) throw new BuildError('HEALTHCHECK NONE takes no arguments');
      c.Healthcheck = { Test: ['NONE'] };
      return this.meta(step, 'HEALTHCHECK NONE');
    }
    if (type.toUpperCase() !== 'CMD') throw new BuildError(`Unknown type "${type}" in HEALTHCHECK (try CMD)`);
    const rest = args.slice(3).trim();
    let test: string[];
    try {
      const json = rest.startsWith('[') ? (JSON.parse(rest) as unknown) : undefined;
      test = Array.isArray(json) && json.every((v) => typeof v === 'string') ? ['CMD', ...json] : ['CMD-SHELL', rest];
    } catch {
      test = ['CMD-SHELL', rest];
    }
    const hc: NonNullable<typeof c.Healthcheck> = { Test: test };
    const duration = (name: string): number | undefined => {
      const v = this.flag(ins, name);
      return v === undefined ? undefined : parseDuration(v);
    };
    const interval = duration('interval');
    const timeout = duration('timeout');
    const start = duration('start-period');
    const startInterval = duration('start-interval');
    const retries = this.flag(ins, 'retries');
    if (interval !== undefined) hc.Interval = interval;
    if (timeout !== undefined) hc.Timeout = timeout;
    if (start !== undefined) hc.StartPeriod = start;
    if (startInterval !== undefined) hc.StartInterval = startInterval;
    if (retries !== undefined) {
      if (!/^\d+$/.test(retries)) throw new BuildError(`--retries takes a number, not "${retries}"`);
      hc.Retries = Number(retries);
    }
    c.Healthcheck = hc;
    return this.meta(step, `HEALTHCHECK &{${goList(test)}}`);
  }

  /** A step that changes only the config: cached for its creation time, recorded without a layer. */
  private async meta(step: number, createdBy: string): Promise<void> {
    const key = stepKey({ parent: this.state.key, instruction: createdBy, platform: this.ctx.platformText });
    const hit = this.ctx.noCache ? undefined : await this.ctx.cache.get(key);
    if (hit) this.ctx.emit({ kind: 'cached', step });
    const created = hit?.created ?? new Date().toISOString();
    if (!hit) await this.ctx.cache.put(key, { created });
    this.state.config.history = [...(this.state.config.history ?? []), { created, created_by: createdBy, empty_layer: true }];
    this.state.key = key;
  }

  /**
   * A step that changes files: its cached layer when the key is known, else `change` runs on the
   * stage's files and the difference becomes the layer (none when nothing changed).
   */
  private async fileStep(step: number, createdBy: string, keyExtra: { args?: Record<string, string>; content?: string }, change: (rootfs: string) => Promise<void>): Promise<void> {
    const s = this.state;
    const key = stepKey({ parent: s.key, instruction: createdBy, platform: this.ctx.platformText, ...keyExtra });
    const hit = this.ctx.noCache ? undefined : await this.ctx.cache.get(key);
    let created: string;
    let layer = hit?.layer;
    if (hit) {
      this.ctx.emit({ kind: 'cached', step });
      created = hit.created;
      if (layer && s.rootfs) {
        await applyImageLayer(this.ctx.store, s.rootfs, { blob: layer, diffId: layer.diffId });
        s.snapshot = await snapshotTree(s.rootfs);
      }
    } else {
      const rootfs = await materialize(s, this.ctx.store, this.ctx.workspace);
      const before = s.snapshot!;
      await change(rootfs);
      const after = await snapshotTree(rootfs);
      for (const rel of HOST_FILES) {
        const was = before.get(rel);
        if (was) after.set(rel, was);
        else after.delete(rel);
      }
      const changes = diffTrees(before, after);
      s.snapshot = after;
      if (changes.changed.length || changes.removed.length) layer = await writeLayer(this.ctx.store, rootfs, changes);
      created = new Date().toISOString();
      await this.ctx.cache.put(key, { created, ...(layer ? { layer } : {}) });
    }
    if (layer) {
      this.ctx.emit({ kind: 'layer', step, digest: layer.digest, size: layer.size });
      s.layers = [...s.layers, { mediaType: layer.mediaType, digest: layer.digest, size: layer.size }];
      s.config.rootfs = { type: 'layers', diff_ids: [...s.config.rootfs.diff_ids, layer.diffId] };
    }
    s.config.history = [...(s.config.history ?? []), { created, created_by: createdBy, ...(layer ? {} : { empty_layer: true }) }];
    s.key = key;
  }

  private resolveDest(dest: string): string {
    const base = this.state.config.config.WorkingDir || '/';
    const joined = dest.startsWith('/') ? dest : path.posix.join(base, dest);
    const clean = path.posix.normalize(joined);
    return dest.endsWith('/') || dest === '.' ? `${clean.replace(/\/$/, '')}/` : clean;
  }

  private async workdir(ins: Instruction, step: number): Promise<void> {
    const dir = this.word(ins.argsText);
    if (!dir) throw new BuildError('WORKDIR requires exactly one argument');
    const c = this.state.config.config;
    c.WorkingDir = path.posix.normalize(dir.startsWith('/') ? dir : path.posix.join(c.WorkingDir || '/', dir));
    const target = c.WorkingDir;
    await this.fileStep(step, `WORKDIR ${target}`, {}, (rootfs) => {
      resolveInRoot(rootfs, target, { createDirs: true, followLast: true });
      return Promise.resolve();
    });
  }

  private async run(ins: Instruction, step: number): Promise<void> {
    this.checkFlags(ins, ['network', 'mount', 'security']);
    if (ins.flags.some((f) => f.name === 'mount')) throw new BuildError('RUN --mount is not supported by the core builder yet');
    if ((this.flag(ins, 'security') ?? 'sandbox') !== 'sandbox') throw new BuildError('RUN --security=insecure is not supported by the core builder');
    const networkFlag = this.flag(ins, 'network') ?? 'default';
    if (!['default', 'host', 'none'].includes(networkFlag)) throw new BuildError(`RUN --network=${networkFlag}: the core builder knows default, host and none`);
    const network = networkFlag === 'none' ? 'none' : 'host';
    const c = this.state.config.config;
    const shell = c.Shell ?? DEFAULT_SHELL;
    let argv: string[];
    let script: { name: string; body: string } | undefined;
    const onlyHeredoc = ins.heredocs.length === 1 && /^<<-?["']?\w+["']?$/.test(ins.argsText.trim());
    if (ins.json) argv = [...ins.json.values];
    else if (onlyHeredoc && ins.heredocs[0].body.startsWith('#!')) {
      script = { name: `/.stevedore-heredoc-${ins.heredocs[0].name}`, body: ins.heredocs[0].body };
      argv = [script.name];
    } else if (onlyHeredoc) argv = [...shell, ins.heredocs[0].body];
    else argv = [...shell, [ins.argsText, ...ins.heredocs.map((h) => `${h.body}${h.name}`)].join('\n')];
    const args: Record<string, string> = {};
    for (const [k, v] of this.state.args) if (v !== undefined && envValue(c.Env, k) === undefined) args[k] = v;
    const argText = Object.keys(args).length ? `|${Object.keys(args).length} ${Object.entries(args).map(([k, v]) => `${k}=${v}`).join(' ')} ` : '';
    const createdBy = `RUN ${argText}${script ? script.body : argv.join(' ')} # buildkit`;
    await this.fileStep(step, createdBy, { args: { ...args, '--network': network } }, async (rootfs) => {
      if (!this.ctx.canRun) throw new BuildError(`cannot RUN for ${this.ctx.platformText} on this ${process.arch} machine (the core builder has no emulation)`);
      // a heredoc with #! runs as that script, as BuildKit does: written at the root for the step only
      const scriptFile = script && path.join(rootfs, script.name);
      if (scriptFile) await fs.writeFile(scriptFile, script!.body, { mode: 0o755 });
      await runInRootfs({
        rootfs, argv, env: [...(c.Env ?? []), ...Object.entries(args).map(([k, v]) => `${k}=${v}`)],
        cwd: c.WorkingDir || '/', user: c.User || undefined, network, signal: this.ctx.signal,
        onOutput: (text) => this.ctx.emit({ kind: 'output', step, text }),
      }).finally(() => scriptFile && fs.rm(scriptFile, { force: true }));
    });
  }

  private async copy(ins: Instruction, step: number): Promise<void> {
    const add = ins.keyword === 'ADD';
    this.checkFlags(ins, add ? ['chown', 'chmod', 'link', 'checksum'] : ['from', 'chown', 'chmod', 'link']);
    const checksum = this.flag(ins, 'checksum');
    if (checksum !== undefined && !/^sha256:[a-f0-9]{64}$/.test(checksum)) throw new BuildError(`ADD --checksum takes sha256:<64 hex digits>, not "${checksum}"`);
    const words = ins.json ? ins.json.values.map((v) => this.word(v)) : this.words(ins.argsText);
    if (words.length < 2) throw new BuildError(`${ins.keyword} requires at least two arguments, but only ${words.length} was provided. Destination could not be determined`);
    const dest = this.resolveDest(words[words.length - 1]);
    let sources = words.slice(0, -1);
    const from = this.flag(ins, 'from');
    const chown = this.flag(ins, 'chown');
    const chmodText = this.flag(ins, 'chmod');
    if (chmodText !== undefined && !/^[0-7]{3,4}$/.test(chmodText)) throw new BuildError(`invalid chmod parameter: ${chmodText} (an octal mode like 755)`);
    const chmod = chmodText === undefined ? undefined : parseInt(chmodText, 8);
    let tree: SourceTree | (() => Promise<SourceTree>) = this.ctx.context;
    let content: string;
    let keepOwner = false;
    const heredocs = new Map(ins.heredocs.map((h) => [h.name, h]));
    const urls = add ? sources.filter((s) => /^https?:\/\//i.test(s)) : [];
    if (heredocs.size && sources.some((s) => /^<<-?/.test(s))) {
      const dir = await this.ctx.workspace.newDir('heredoc');
      const names: string[] = [];
      for (const s of sources) {
        const doc = heredocs.get(s.replace(/^<<-?/, '').replace(/^["']|["']$/g, ''));
        if (!doc) throw new BuildError(`${s}: no heredoc of that name`);
        const body = doc.quoted ? doc.body : expandHeredoc(doc.body, this.lookup);
        await fs.writeFile(path.join(dir, doc.name), body, { mode: 0o644 });
        await fs.chmod(path.join(dir, doc.name), 0o644);
        names.push(doc.name);
      }
      tree = new SourceTree(dir);
      sources = names;
      content = await tree.digest(names);
    } else if (urls.length) {
      if (urls.length !== sources.length) throw new BuildError('ADD of URLs and local files together is not supported by the core builder');
      const dir = await this.ctx.workspace.newDir('url');
      sources = [];
      for (const url of urls) sources.push(await downloadUrl(url, dir, this.ctx.signal));
      if (checksum !== undefined) {
        if (sources.length !== 1) throw new BuildError('ADD --checksum needs exactly one URL');
        const actual = `sha256:${createHash('sha256').update(await fs.readFile(path.join(dir, sources[0]))).digest('hex')}`;
        if (actual !== checksum) throw new BuildError(`${urls[0]}: digest mismatch: expected ${checksum}, got ${actual}`);
      }
      tree = new SourceTree(dir);
      content = await tree.digest(sources);
    } else if (checksum !== undefined) {
      throw new BuildError('ADD --checksum is only for URL sources');
    } else if (from !== undefined) {
      const stage = (await this.ctx.stageFiles(from, this.state.index)) ?? (await this.ctx.imageFiles(from));
      tree = () => stage.tree();
      content = stage.key;
      keepOwner = true;
    } else {
      const context = this.ctx.context;
      const resolved = (await Promise.all(sources.map((s) => context.resolve(s)))).flat();
      content = await context.digest(resolved);
    }
    const flagText = ins.flags.map((f) => `--${f.name}${f.value === undefined ? '' : `=${this.word(f.value)}`}`).join(' ');
    const createdBy = `${ins.keyword} ${flagText ? `${flagText} ` : ''}${[...sources, dest].join(' ')} # buildkit`;
    const lazyTree = tree;
    await this.fileStep(step, createdBy, { content }, async (rootfs) => {
      const sourceTree = typeof lazyTree === 'function' ? await lazyTree() : lazyTree;
      const owner = chown === undefined ? undefined : await resolveOwner(rootfs, chown);
      const resolved = (await Promise.all(sources.map((s) => sourceTree.resolve(s)))).flat();
      const plain: string[] = [];
      for (const rel of resolved) {
        const file = path.join(sourceTree.root, rel);
        if (add && !urls.length && (await isArchive(file))) await extractArchive(file, resolveInRoot(rootfs, dest, { createDirs: true, followLast: true }));
        else plain.push(rel);
      }
      if (plain.length) await copySources(sourceTree, plain, rootfs, dest, { owner, keepOwner, chmod });
    });
  }
}
