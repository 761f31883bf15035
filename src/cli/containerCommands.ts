import { lastEvent } from '../core/run/coreEvents';
import type { ContainerRunner, CreateRequest, ExecOptions } from '../core/run/containerRunner';
import { CoreEngine } from '../engine/core/coreEngine';
import type { ContainerSummary, Engine } from '../engine/engine';
import { humanDuration, printable } from '../engine/humanize';
import { CliError, print, table, type CliCommand } from './cliCommand';
import { lastValue, parseContainerArgs, type ContainerArgs } from './containerArgs';
import { withEngine } from './engineCommands';

/** Runs `body` on the bundled core (`--engine core`) or the daemon the docker CLI would use. */
async function onEngine(args: ContainerArgs, body: (engine: Engine, core?: CoreEngine) => Promise<number>): Promise<number> {
  if (args.core) {
    const core = new CoreEngine();
    try {
      return await body(core, core);
    } finally {
      core.dispose();
    }
  }
  let code = 0;
  await withEngine(async (engine) => {
    code = await body(engine);
  });
  return code;
}

function requireOne(args: ContainerArgs, usage: string): string[] {
  if (!args.positional.length) throw new CliError(usage, 2);
  return [...args.positional];
}

/** `stop a b c`: each in turn, printing the name as the docker CLI does; the first failure is the exit code. */
function eachContainer(name: string, summary: string, usage: string, spec: { flags?: string[]; values?: string[]; aliases?: Record<string, string> }, act: (engine: Engine, id: string, args: ContainerArgs) => Promise<void>): CliCommand {
  return {
    name,
    summary,
    async run(argv) {
      const args = parseContainerArgs(argv, spec, usage);
      const ids = requireOne(args, usage);
      return onEngine(args, async (engine) => {
        let code = 0;
        for (const id of ids) {
          try {
            await act(engine, id, args);
            process.stdout.write(`${id}\n`);
          } catch (err) {
            process.stderr.write(`stevedore: ${printable((err as Error).message)}\n`);
            code = 1;
          }
        }
        return code;
      });
    },
  };
}

function psRow(c: ContainerSummary): string[] {
  return [c.id.slice(0, 12), c.image, JSON.stringify(c.command.length > 30 ? `${c.command.slice(0, 29)}…` : c.command), `${humanDuration(Date.now() - c.created)} ago`, c.status, c.name];
}

const RUN_USAGE = 'usage: stevedore run [--engine core] [-d] [--rm] [--name NAME] [-e KEY=VALUE]... [-w DIR] [-u USER[:GROUP]] [--hostname NAME] [--network host|none] [--entrypoint CMD] IMAGE [COMMAND [ARG...]]';

/** The container's exit code once it has ended: from its state, or from its `die` event when `--rm` removed it. */
async function exitCodeOf(engine: Engine, core: CoreEngine | undefined, id: string): Promise<number> {
  try {
    const raw = (await engine.inspectContainer(id)).raw as { State?: { ExitCode?: number } };
    return raw.State?.ExitCode ?? 0;
  } catch (err) {
    const code = core ? lastEvent(core.home, (e) => e.id === id && e.action === 'die')?.attributes.exitCode : undefined;
    if (code === undefined) throw err;
    return Number(code);
  }
}

/** The docker CLI's exit code for a container that could not start: 127 no such command, 126 not runnable, else 125. */
function startFailureCode(message: string): number {
  if (/exec: ".*": (executable file not found in \$PATH|stat .*: no such file or directory)/.test(message)) return 127;
  if (/exec: ".*": (permission denied|is a directory)/.test(message)) return 126;
  return 125;
}

const run: CliCommand = {
  name: 'run',
  summary: 'create and start a container, attached to its output unless -d [--engine core]',
  async run(argv) {
    const args = parseContainerArgs(argv, {
      flags: ['--detach', '--rm', '--interactive', '--tty'],
      values: ['--name', '--env', '--workdir', '--user', '--hostname', '--network', '--entrypoint'],
      aliases: { '-d': '--detach', '-e': '--env', '-w': '--workdir', '-u': '--user', '-i': '--interactive', '-t': '--tty', '-h': '--hostname', '--net': '--network' },
      stopAtCommand: true,
    }, RUN_USAGE);
    const [image, ...command] = requireOne(args, RUN_USAGE);
    const detach = args.flags.has('--detach');
    const network = lastValue(args, '--network') ?? 'host';
    if (network !== 'host' && network !== 'none') throw new CliError(`--network is host or none for the bundled engine, not "${network}"`, 125);
    if (args.flags.has('--tty')) throw new CliError('-t (a terminal) is not supported yet: run without -t, or with -d and use `stevedore logs -f`', 125);
    return onEngine(args, async (engine, core) => {
      const request: CreateRequest = {
        image,
        name: lastValue(args, '--name'),
        env: args.values.get('--env') ?? [],
        command: command.length ? command : undefined,
        entrypoint: args.values.has('--entrypoint') ? [lastValue(args, '--entrypoint')!] : undefined,
        workdir: lastValue(args, '--workdir'),
        user: lastValue(args, '--user'),
        hostname: lastValue(args, '--hostname'),
        network,
        autoRemove: args.flags.has('--rm'),
      };
      let id: string;
      let logs: AsyncIterable<{ stream: 'stdout' | 'stderr'; log?: string; text?: string }>;
      try {
        if (core) {
          const runner = await core.runner();
          id = (await runner.create(request)).id;
          logs = await runner.openLogs(id, { follow: true });
          await runner.start(id);
        } else {
          const unsupported = ['--workdir', '--user', '--hostname', '--entrypoint', '--network'].filter((o) => args.values.has(o)).concat(args.flags.has('--rm') ? ['--rm'] : []);
          if (unsupported.length) throw new CliError(`${unsupported.join(', ')}: only with --engine core here (use the docker CLI for a daemon)`, 125);
          id = await engine.runContainer({ image, name: request.name, env: request.env, command: request.command });
          logs = engine.containerLogs(id, { follow: true });
        }
      } catch (err) {
        if (err instanceof CliError) throw err;
        throw new CliError((err as Error).message, startFailureCode((err as Error).message));
      }
      if (detach) {
        process.stdout.write(`${id}\n`);
        return 0;
      }
      const forward = (signal: NodeJS.Signals) => void engine.killContainer(id, signal).catch(() => undefined);
      process.on('SIGINT', forward).on('SIGTERM', forward);
      try {
        for await (const chunk of logs) (chunk.stream === 'stderr' ? process.stderr : process.stdout).write(chunk.log ?? chunk.text ?? '');
      } finally {
        process.off('SIGINT', forward).off('SIGTERM', forward);
      }
      return exitCodeOf(engine, core, id);
    });
  },
};

const ps: CliCommand = {
  name: 'ps',
  summary: 'list containers (-a: stopped ones too) [-q] [--json] [--engine core]',
  async run(argv) {
    const args = parseContainerArgs(argv, { flags: ['--all', '--quiet', '--json'], aliases: { '-a': '--all', '-q': '--quiet' } }, 'usage: stevedore ps [-a] [-q] [--json] [--engine core]');
    return onEngine(args, async (engine) => {
      const containers = (await engine.listContainers()).filter((c) => args.flags.has('--all') || c.state === 'running');
      if (args.flags.has('--quiet')) process.stdout.write(containers.map((c) => `${c.id.slice(0, 12)}\n`).join(''));
      else print(args.flags.has('--json'), containers, () => table(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'NAMES'], containers.map(psRow)));
      return 0;
    });
  },
};

const logs: CliCommand = {
  name: 'logs',
  summary: 'a container\'s output [-f] [-t] [--tail N] [--engine core]',
  async run(argv) {
    const usage = 'usage: stevedore logs [-f] [-t|--timestamps] [--tail N] [--engine core] CONTAINER';
    const args = parseContainerArgs(argv, { flags: ['--follow', '--timestamps'], values: ['--tail'], aliases: { '-f': '--follow', '-t': '--timestamps', '-n': '--tail' } }, usage);
    const [id] = requireOne(args, usage);
    const tailText = lastValue(args, '--tail');
    const tail = tailText === undefined || tailText === 'all' ? undefined : Number(tailText);
    if (tail !== undefined && !(tail >= 0)) throw new CliError(`--tail is a number of lines or "all", not "${tailText}"`, 2);
    return onEngine(args, async (engine) => {
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      try {
        for await (const chunk of engine.containerLogs(id, { follow: args.flags.has('--follow'), timestamps: args.flags.has('--timestamps'), tail, signal: abort.signal })) {
          (chunk.stream === 'stderr' ? process.stderr : process.stdout).write(chunk.text);
        }
      } finally {
        process.off('SIGINT', stop);
      }
      return 0;
    });
  },
};

const exec: CliCommand = {
  name: 'exec',
  summary: 'run a command in a running container [-i] [-t] [-e] [-u] [-w] (--engine core)',
  async run(argv) {
    const usage = 'usage: stevedore exec --engine core [-i] [-t] [-e KEY=VALUE]... [-u USER] [-w DIR] CONTAINER COMMAND [ARG...]';
    const args = parseContainerArgs(argv, { flags: ['--interactive', '--tty'], values: ['--env', '--user', '--workdir'], aliases: { '-i': '--interactive', '-t': '--tty', '-e': '--env', '-u': '--user', '-w': '--workdir' }, stopAtCommand: true }, usage);
    const [id, ...command] = requireOne(args, usage);
    if (!command.length) throw new CliError(usage, 2);
    if (!args.core) throw new CliError('exec works with --engine core; for a daemon, use `docker exec`', 2);
    const options = { env: args.values.get('--env'), user: lastValue(args, '--user'), workdir: lastValue(args, '--workdir') };
    if (args.flags.has('--tty')) return onEngine(args, async (_engine, core) => execOnTerminal(await core!.runner(), id, command, options));
    return onEngine(args, async (_engine, core) => {
      const child = await (await core!.runner()).exec(id, command, options);
      if (args.flags.has('--interactive')) process.stdin.pipe(child.stdin!);
      else child.stdin!.end();
      child.stdout!.pipe(process.stdout);
      child.stderr!.pipe(process.stderr);
      const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
      process.stdin.unpipe(child.stdin!);
      process.stdin.pause();
      return code;
    });
  },
};

/** `exec -it`: the command on a pty, this terminal raw and its size followed. */
async function execOnTerminal(runner: ContainerRunner, id: string, command: string[], options: ExecOptions): Promise<number> {
  const size = () => ({ columns: process.stdout.columns || 80, rows: process.stdout.rows || 24 });
  const pty = await runner.execTerminal(id, command, size(), options);
  const raw = process.stdin.isTTY;
  if (raw) process.stdin.setRawMode(true);
  const onResize = () => void pty.resize(size().columns, size().rows);
  process.stdout.on('resize', onResize);
  process.stdin.pipe(pty.child.stdin!);
  pty.child.stdout!.pipe(process.stdout);
  try {
    return await new Promise<number>((resolve) => pty.child.on('close', (c) => resolve(c ?? 1)));
  } finally {
    process.stdout.off('resize', onResize);
    process.stdin.unpipe(pty.child.stdin!);
    if (raw) process.stdin.setRawMode(false);
    process.stdin.pause();
  }
}

const CONTAINER = 'CONTAINER [CONTAINER...]';

export const containerCommands: readonly CliCommand[] = [
  run,
  ps,
  logs,
  exec,
  eachContainer('start', 'start stopped containers [--engine core]', `usage: stevedore start [--engine core] ${CONTAINER}`, {}, (engine, id) => engine.startContainer(id)),
  eachContainer('stop', 'stop containers: the stop signal, then KILL after -t seconds (10) [--engine core]', `usage: stevedore stop [-t SECONDS] [--engine core] ${CONTAINER}`, { values: ['--time'], aliases: { '-t': '--time' } },
    (engine, id, args) => engine.stopContainer(id, args.values.has('--time') ? Number(lastValue(args, '--time')) : undefined)),
  eachContainer('restart', 'stop then start containers [--engine core]', `usage: stevedore restart [--engine core] ${CONTAINER}`, {}, (engine, id) => engine.restartContainer(id)),
  eachContainer('kill', 'send a signal (KILL) to containers [-s SIGNAL] [--engine core]', `usage: stevedore kill [-s SIGNAL] [--engine core] ${CONTAINER}`, { values: ['--signal'], aliases: { '-s': '--signal' } },
    (engine, id, args) => engine.killContainer(id, lastValue(args, '--signal') ?? 'KILL')),
  eachContainer('rm', 'remove containers (-f: running ones too) [--engine core]', `usage: stevedore rm [-f] [--engine core] ${CONTAINER}`, { flags: ['--force'], aliases: { '-f': '--force' } },
    (engine, id, args) => engine.removeContainer(id, { force: args.flags.has('--force') })),
];
