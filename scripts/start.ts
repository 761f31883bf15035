// `npm start`: builds and packages the extension, then opens it in a local VS Code in the browser
// (code-server) with the examples/ workspace, and prints the URL. Ctrl-C stops it.
// The extension finds the engine as the docker CLI does (DOCKER_HOST, else the local sockets), else
// uses the bundled engine with the user's own store; the examples' base image is made there first.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { stevedoreHome } from '../src/core/store/storeHome';
import { currentEnvironment } from '../src/engine/daemon/endpoint';
import { AUTO } from '../src/engine/daemon/endpointChoice';
import { candidatesWithCoreFallback, selectEngine } from '../src/engine/engineSelection';
import { codeServerMissing, startCodeServer } from './codeServer';
import { ensureExampleBase } from './exampleBase';

const root = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  if (codeServerMissing()) {
    console.log('Installing code-server, a real VS Code from npm (once, about 3 minutes)…');
    try {
      execFileSync('bash', [path.join(root, 'scripts/install-code-server.sh')], { stdio: 'inherit' });
    } catch {
      throw new Error('installing code-server failed (its output is above); fix what it says, then run npm start again, or run bash scripts/install-code-server.sh alone to see only that step');
    }
  }
  execFileSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: 'inherit' });

  const home = stevedoreHome();
  const selection = await selectEngine(candidatesWithCoreFallback(currentEnvironment(), AUTO, 'npm start'));
  let engineLine: string;
  if (selection.engine) {
    const { engine, info } = selection;
    engineLine = info.kind === 'core'
      ? `the bundled engine (no Docker or Podman engine answered); its images are in ${home}, the store \`node dist/cli.js images --engine core\` shows`
      : `${info.product} ${info.version} at ${engine.endpoint}`;
    try {
      console.log(await ensureExampleBase(engine));
    } finally {
      engine.dispose();
    }
  } else {
    engineLine = `none answered (${selection.attempts.map((a) => `${a.endpoint}: ${a.error}`).join('; ')}); the Stevedore view says what to do`;
  }

  const server = await startCodeServer({
    vsix: path.join(root, 'stevedore.vsix'),
    workspace: path.join(root, 'examples'),
    port: Number(process.env.STEVEDORE_PORT ?? 0),
    // The user's store, which the CLI sees too, not one inside the throwaway profile.
    env: { STEVEDORE_HOME: home },
    // The Welcome page offers the walkthrough; with it shown at start VS Code also follows the
    // walkthrough's steps from the start (else only from when the walkthrough is first opened).
    settings: { 'workbench.startupEditor': 'welcomePage' },
  });
  console.log(`\nStevedore is running in VS Code at ${server.workbenchUrl}`);
  console.log(`Engine: ${engineLine}.`);
  console.log('Ctrl-C stops it.');
  const stop = () => void server.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`npm start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
