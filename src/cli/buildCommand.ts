import { buildImage, BuildError, type BuildEvent } from '../core/build/buildImage';
import { ImageStore } from '../core/store/imageStore';
import { printable } from '../engine/humanize';
import { parseArgs } from './cliArgs';
import { CliError, type CliCommand } from './cliCommand';

const BUILD_USAGE = 'usage: stevedore build [-t TAG]... [-f Dockerfile] [--target STAGE] [--build-arg K=V]... [--no-cache] [--platform OS/ARCH] [-q] CONTEXT --engine core';

/** Pulls the repeatable options (`-t`/`--tag`, `--build-arg`) out of `args`: parseArgs keeps one value per name. */
function takeRepeated(args: readonly string[]): { tags: string[]; buildArgs: string[]; rest: string[] } {
  const tags: string[] = [];
  const buildArgs: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const into = name === '-t' || name === '--tag' ? tags : name === '--build-arg' ? buildArgs : undefined;
    if (!into) {
      rest.push(arg);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined) throw new CliError(`${name} needs a value\n${BUILD_USAGE}`, 2);
    into.push(value);
  }
  return { tags, buildArgs, rest };
}

function showEvent(e: BuildEvent, quiet: boolean): void {
  if (quiet) return;
  const out = process.stdout;
  switch (e.kind) {
    case 'step': out.write(`Step ${e.step}/${e.total} : ${printable(e.instruction)}\n`); break;
    case 'cached': out.write(' ---> Using cache\n'); break;
    case 'output': out.write(e.text); break;
    case 'layer': out.write(` ---> layer ${e.digest.slice(7, 19)} (${e.size} bytes)\n`); break;
    case 'done': out.write(`Successfully built ${e.imageId.slice(7, 19)}\n${e.tags.map((t) => `Successfully tagged ${printable(t, true)}\n`).join('')}`); break;
  }
}

/** `stevedore build`: the core builder into the core store (the daemon engine's build is not offered by this CLI yet). */
export const buildCommand: CliCommand = {
  name: 'build',
  summary: 'build an image from a Dockerfile with the core builder: build [-t TAG] [-f FILE] [--target] [--build-arg K=V] [--no-cache] CONTEXT --engine core',
  async run(args) {
    const { tags, buildArgs, rest } = takeRepeated(args);
    const a = parseArgs(rest, { flags: ['--no-cache', '--quiet'], values: ['--file', '--target', '--platform'], aliases: { '-f': '--file', '-q': '--quiet' } }, BUILD_USAGE);
    if (a.positional.length !== 1) throw new CliError(BUILD_USAGE, 2);
    if (!a.core) throw new CliError('stevedore build runs the core builder only: add --engine core (building through a daemon is not supported by this CLI yet; use docker build)', 2);
    const argValues: Record<string, string> = {};
    for (const kv of buildArgs) {
      const eq = kv.indexOf('=');
      if (eq > 0) argValues[kv.slice(0, eq)] = kv.slice(eq + 1);
      else if (process.env[kv] !== undefined) argValues[kv] = process.env[kv];
    }
    const quiet = a.flags.has('--quiet');
    const store = await ImageStore.open();
    try {
      const result = await buildImage(store, {
        contextDir: a.positional[0], dockerfile: a.values.get('--file'), tags, target: a.values.get('--target'),
        buildArgs: argValues, noCache: a.flags.has('--no-cache'), platform: a.values.get('--platform'), onEvent: (e) => showEvent(e, quiet),
      });
      if (quiet) process.stdout.write(`${result.imageId}\n`);
      return 0;
    } catch (err) {
      if (err instanceof BuildError) throw new CliError(err.message, 1);
      throw err;
    }
  },
};
