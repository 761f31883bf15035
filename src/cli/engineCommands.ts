import type { Engine, EngineInfo, ImageSummary } from '../engine/engine';
import { engineCandidates, selectEngine } from '../engine/engineSelection';
import { humanDuration, humanSize } from '../engine/humanize';
import { ImageStore } from '../core/store/imageStore';
import { parseArgs } from './cliArgs';
import { CliError, hasFlag, print, table, type CliCommand } from './cliCommand';
import { coreImageSummary } from './coreImageSummary';

/** Runs `body` with the engine the docker CLI would use; says what was tried when none answers. */
export async function withEngine(body: (engine: Engine, info: EngineInfo) => Promise<void>): Promise<number> {
  const selection = await selectEngine(engineCandidates());
  if (!selection.engine) {
    const tried = selection.attempts.map((a) => `  ${a.source}: ${a.error}`).join('\n');
    throw new CliError(`no container engine answered. Tried:\n${tried}`);
  }
  try {
    await body(selection.engine, selection.info);
    return 0;
  } finally {
    selection.engine.dispose();
  }
}

function imageRows(image: ImageSummary): string[][] {
  const row = (name: string) => [name, image.id.replace(/^sha256:/, '').slice(0, 12), `${humanDuration(Date.now() - image.created)} ago`, humanSize(image.size)];
  return image.tags.length ? image.tags.map(row) : [row('<none>:<none>')];
}

export const engineCommands: readonly CliCommand[] = [
  {
    name: 'info',
    summary: 'the engine in use and how it was found',
    run: (args) => withEngine((engine, info) => {
      print(hasFlag(args, '--json'), { ...info, endpoint: engine.endpoint }, () => `${info.product} (API ${info.apiVersion}, ${info.os}/${info.arch}) at ${engine.endpoint}`);
      return Promise.resolve();
    }),
  },
  {
    name: 'images',
    summary: 'list images [--json] [--engine core]',
    async run(args) {
      const a = parseArgs(args, { flags: ['--json'] }, 'usage: stevedore images [--json] [--engine core]');
      const show = (images: ImageSummary[]) => print(a.flags.has('--json'), images, () => table(['REPOSITORY:TAG', 'IMAGE ID', 'CREATED', 'SIZE'], images.flatMap(imageRows)));
      if (a.core) {
        show((await (await ImageStore.open()).list()).map(coreImageSummary));
        return 0;
      }
      return withEngine(async (engine) => show(await engine.listImages()));
    },
  },
];
