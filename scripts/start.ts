// `npm start`: builds and packages the extension, then opens it in a local VS Code in the browser
// (code-server) with the examples/ workspace, and prints the URL. Ctrl-C stops it.
// The extension finds the engine as the docker CLI does (DOCKER_HOST, else the local sockets).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { codeServerMissing, startCodeServer } from './codeServer';

const root = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  if (codeServerMissing()) {
    console.log('Installing code-server (once, about 3 minutes)…');
    execFileSync('bash', [path.join(root, 'scripts/install-code-server.sh')], { stdio: 'inherit' });
  }
  execFileSync('npm', ['run', '--silent', 'package'], { cwd: root, stdio: 'inherit' });
  const server = await startCodeServer({
    vsix: path.join(root, 'stevedore.vsix'),
    workspace: path.join(root, 'examples'),
    port: Number(process.env.STEVEDORE_PORT ?? 0),
  });
  console.log(`\nStevedore is running in VS Code at ${server.workbenchUrl}`);
  console.log(`Engine: ${process.env.DOCKER_HOST ? `DOCKER_HOST=${process.env.DOCKER_HOST}` : 'the local Docker or Podman socket'}. Ctrl-C stops it.`);
  const stop = () => void server.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`npm start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
