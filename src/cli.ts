#!/usr/bin/env node
import { buildCommand } from './cli/buildCommand';
import { CliError, type CliCommand } from './cli/cliCommand';
import { containerCommands } from './cli/containerCommands';
import { engineCommands } from './cli/engineCommands';
import { imageCommands } from './cli/imageCommands';
import { inspectCommand } from './cli/inspectCommand';
import { lintCommand } from './cli/lintCommand';
import { registryCommands } from './cli/registryCommands';
import { storeCommands } from './cli/storeCommands';
import { printable, systemErrorMessage } from './engine/humanize';

const COMMANDS: readonly CliCommand[] = [...engineCommands, ...containerCommands, ...imageCommands, ...storeCommands, ...registryCommands, buildCommand, lintCommand, inspectCommand];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const list = COMMANDS.map((c) => `  ${c.name.padEnd(width)}   ${c.summary}`).join('\n');
  return `Usage: stevedore <command> [options]

Commands:
${list}

Engine commands find the engine as the docker CLI does: DOCKER_HOST, else the default Docker
socket, else Podman's sockets. Image commands take --engine core (or STEVEDORE_ENGINE=core) for
the bundled core's image store in $STEVEDORE_HOME (default $XDG_DATA_HOME/stevedore).`;
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`stevedore: unknown command "${printable(name, true)}"\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await command.run(args);
  } catch (err) {
    const exitCode = err instanceof CliError ? err.exitCode : 1;
    process.stderr.write(`stevedore: ${printable(systemErrorMessage(err) ?? (err instanceof Error ? err.message : String(err)))}\n`);
    return exitCode;
  }
}

// `stevedore lint | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
