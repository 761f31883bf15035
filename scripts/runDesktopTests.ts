// `npm run test:desktop`: the extension-host suite of test/exthost in desktop VS Code, which
// @vscode/test-electron downloads (so this needs a machine with internet access; CI here uses the
// code-server runner, scripts/runExtensionHostTests.ts, with the same suite).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { buildExtensionHostSuite } from './runExtensionHostTests';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const container = execFileSync('docker', ['create', process.env.STEVEDORE_TEST_BASE_IMAGE ?? 'busybox:local', 'true'], { encoding: 'utf8' }).trim();
  try {
    await runTests({
      extensionDevelopmentPath: root,
      extensionTestsPath: await buildExtensionHostSuite(),
      extensionTestsEnv: { STEVEDORE_EXTHOST_CONTAINER: container },
      launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
    });
  } finally {
    execFileSync('docker', ['rm', '-f', container], { stdio: 'ignore' });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
