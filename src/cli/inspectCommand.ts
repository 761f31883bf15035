import fs from 'node:fs';
import { DEFAULT_RULES, evaluateRules, parseDiveCi, type CiRules } from '../core/layers/ciRules';
import { openArchive } from '../core/layers/archiveSource';
import { analyzeInspection, type ImageAnalysis } from '../core/layers/imageAnalysis';
import { inspectImage } from '../core/layers/imageInspection';
import type { ImageSource } from '../core/layers/imageSource';
import { LayerIndexCache } from '../core/layers/layerCache';
import { LayerIndexPool } from '../core/layers/layerIndexPool';
import { RegistryImageSource } from '../core/layers/registrySource';
import { parseReference, withDefaultTag } from '../core/registry/imageReference';
import { parsePlatform } from '../core/registry/platform';
import { RegistryClient } from '../core/registry/registryClient';
import { ImageStore } from '../core/store/imageStore';
import { StoreImageSource } from '../core/store/storeImageSource';
import { EngineImageSource } from '../engine/engineImageSource';
import { engineCandidates, selectEngine } from '../engine/engineSelection';
import { printable } from '../engine/humanize';
import { CliError, type CliCommand } from './cliCommand';
import { ciText, summaryText, writeJson } from './inspectReport';

const USAGE = `usage: stevedore inspect IMAGE|ARCHIVE.tar [--json] [--image NAME] [--engine core]
       stevedore inspect REFERENCE --registry [--platform OS/ARCH] [--insecure-registry HOST] [--json]
       stevedore inspect IMAGE|ARCHIVE.tar --ci [--ci-config FILE] [--lowest-efficiency RATIO]
                         [--highest-wasted-bytes SIZE|disabled] [--highest-user-wasted-percent RATIO|disabled]`;

const RULE_FLAGS: Record<string, keyof CiRules> = {
  '--lowest-efficiency': 'lowestEfficiency',
  '--highest-wasted-bytes': 'highestWastedBytes',
  '--highest-user-wasted-percent': 'highestUserWastedPercent',
};

interface Options {
  target: string;
  json: boolean;
  ci: boolean;
  ciConfig: string | undefined;
  image: string | undefined;
  core: boolean;
  rules: Partial<Record<keyof CiRules, string>>;
  /** Read the image from its registry (no pull, no engine). */
  registry: boolean;
  platform: string | undefined;
  insecureHosts: string[];
}

function parseArgs(args: readonly string[]): Options {
  const options: Options = { target: '', json: false, ci: false, ciConfig: undefined, image: undefined, core: process.env.STEVEDORE_ENGINE === 'core', rules: {}, registry: false, platform: undefined, insecureHosts: [] };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].startsWith('--') && args[i].includes('=') ? [args[i].slice(0, args[i].indexOf('=')), args[i].slice(args[i].indexOf('=') + 1)] : [args[i], undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new CliError(`${flag} needs a value\n${USAGE}`, 2);
      return v;
    };
    if (flag === '--json') options.json = true;
    else if (flag === '--ci') options.ci = true;
    else if (flag === '--ci-config') options.ciConfig = value();
    else if (flag === '--image') options.image = value();
    else if (flag === '--registry') options.registry = true;
    else if (flag === '--platform') options.platform = value();
    else if (flag === '--insecure-registry') options.insecureHosts.push(...value().split(',').map((h) => h.trim()).filter(Boolean));
    else if (flag === '--engine') options.core = engineIsCore(value());
    else if (RULE_FLAGS[flag]) options.rules[RULE_FLAGS[flag]] = value();
    else if (flag.startsWith('-')) throw new CliError(`unknown option ${flag}\n${USAGE}`, 2);
    else if (options.target) throw new CliError(`one image or archive at a time\n${USAGE}`, 2);
    else options.target = flag;
  }
  if (!options.target) throw new CliError(USAGE, 2);
  return options;
}

function engineIsCore(engine: string): boolean {
  if (engine !== 'core' && engine !== 'daemon') throw new CliError(`--engine is "core" or "daemon", not "${engine}"`, 2);
  return engine === 'core';
}

/** dive's order: the flags, then the .dive-ci file (./.dive-ci unless --ci-config names another), then dive's defaults. */
function ciRules(options: Options): CiRules {
  const file = options.ciConfig ?? '.dive-ci';
  let fromFile: Partial<CiRules> = {};
  if (fs.existsSync(file)) fromFile = parseDiveCi(fs.readFileSync(file, 'utf8'));
  else if (options.ciConfig) throw new CliError(`no CI config at ${file}`, 2);
  return { ...DEFAULT_RULES, ...fromFile, ...options.rules };
}

async function analyze(source: ImageSource): Promise<ImageAnalysis> {
  const pool = new LayerIndexPool();
  const progress = process.stderr.isTTY ? new Map<number, number>() : undefined;
  let total = 0;
  let inspection;
  try {
    inspection = await inspectImage(source, {
      pool,
      cache: new LayerIndexCache(),
      listener: {
        description: (d) => (total = d.layers.length),
        layer: (layer) => {
          progress?.set(layer, 1);
          if (progress) process.stderr.write(`\rindexed ${progress.size} of ${total} layers`);
        },
      },
    });
    if (progress) process.stderr.write('\r\x1b[K');
  } finally {
    // The workers' memory goes back before the trees are built.
    pool.dispose();
    await source.dispose();
  }
  return analyzeInspection(inspection);
}

async function fromArchive(file: string, image: string | undefined): Promise<ImageAnalysis> {
  const archive = await openArchive(file);
  try {
    let at = 0;
    if (image) at = archive.images.findIndex((i) => i.tags.includes(image) || i.id === image);
    else if (archive.images.length > 1) throw new CliError(`${file} holds ${archive.images.length} images; name one with --image: ${archive.images.map((i) => i.tags[0] ?? i.id).join(', ')}`, 2);
    if (at < 0) throw new CliError(`${file} has no image ${image}`, 2);
    return await analyze(archive.source(at));
  } finally {
    await archive.dispose();
  }
}

/** An image id (full or short) or a reference the way docker takes it; anything else is no image. */
function checkReference(target: string): void {
  if (/^(sha256:)?[0-9a-f]{12,64}$/.test(target)) return;
  try {
    parseReference(target);
  } catch (err) {
    throw new CliError(`${target} is neither an archive file here nor an image reference (${(err as Error).message})`, 2);
  }
}

async function fromEngine(reference: string): Promise<ImageAnalysis> {
  checkReference(reference);
  const selection = await selectEngine(engineCandidates());
  if (!selection.engine) throw new CliError(`${reference} is not a file, and no container engine answered. Tried:\n${selection.attempts.map((a) => `  ${a.source}: ${a.error}`).join('\n')}`);
  try {
    return await analyze(new EngineImageSource(selection.engine, reference, selection.info.product, new LayerIndexCache()));
  } finally {
    selection.engine.dispose();
  }
}

/** Straight from the registry: Docker's credentials, TLS verified except for the hosts named insecure. */
async function fromRegistry(options: Options): Promise<ImageAnalysis> {
  let reference;
  let platform;
  try {
    reference = withDefaultTag(parseReference(options.target));
    platform = options.platform ? parsePlatform(options.platform) : undefined;
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
  const fromEnv = (process.env.STEVEDORE_INSECURE_REGISTRIES ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  const client = new RegistryClient({ insecureHosts: [...fromEnv, ...options.insecureHosts], userAgent: 'stevedore-cli' });
  const cache = new LayerIndexCache();
  try {
    return await analyze(new RegistryImageSource(client, reference, { platform, cache }));
  } finally {
    client.close();
  }
}

export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: 'layers, wasted space and efficiency of an image, archive or registry image (--registry) [--json] [--ci]',
  async run(args) {
    const options = parseArgs(args);
    const rules = options.ci ? ciRules(options) : undefined;
    if (!options.registry && (options.platform || options.insecureHosts.length)) throw new CliError(`--platform and --insecure-registry go with --registry\n${USAGE}`, 2);
    const isFile = !options.registry && (fs.statSync(options.target, { throwIfNoEntry: false })?.isFile() ?? false);
    const analysis = options.registry ? await fromRegistry(options)
      : isFile ? await fromArchive(options.target, options.image)
      : options.core ? await analyze(new StoreImageSource(await ImageStore.open(), options.target))
      : await fromEngine(options.target);
    if (options.json) writeJson(analysis, (text) => process.stdout.write(text));
    else if (!rules) process.stdout.write(`${printable(summaryText(analysis))}\n`);
    if (analysis.errors.length) {
      throw new CliError(`${analysis.errors.length} of ${analysis.layers.length} layers could not be read:\n${analysis.errors.map((e) => `  ${e.message}`).join('\n')}`);
    }
    if (!rules) return 0;
    const outcome = evaluateRules(analysis.efficiency!, rules);
    if (!options.json) process.stdout.write(`${printable(ciText(analysis, outcome))}\n`);
    return outcome.pass ? 0 : 1;
  },
};
