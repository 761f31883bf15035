// Runs the mocha suite in test/exthost inside a real VS Code extension host (code-server's, driven
// through Chromium), with this repository as the extension under development. Exit code: the
// suite's. The same suite runs in desktop VS Code through `npm run test:desktop`.
//   node --import tsx scripts/runExtensionHostTests.ts
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import esbuild from 'esbuild';
import { codeServerMissing, startCodeServer } from './codeServer';
import { chromiumMissing, openBrowser } from '../test/support/workbench';
import { baseImage, dockerMissing, servicesRequired } from '../test/support/services';

const root = path.resolve(__dirname, '..');
const TIMEOUT_MS = 180_000;

/** Builds the extension and the suite (test/exthost/*.ts to dist/test/exthost/*.js). */
export async function buildExtensionHostSuite(): Promise<string> {
  execFileSync(process.execPath, [path.join(root, 'esbuild.js')], { cwd: root, stdio: 'ignore' });
  const outdir = path.join(root, 'dist/test/exthost');
  const entryPoints = fs.readdirSync(path.join(root, 'test/exthost')).filter((f) => f.endsWith('.ts')).map((f) => path.join(root, 'test/exthost', f));
  await esbuild.build({ entryPoints, outdir, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'mocha'], logLevel: 'error' });
  return path.join(outdir, 'index.js');
}

async function main(): Promise<number> {
  const missing = dockerMissing() ?? codeServerMissing() ?? chromiumMissing();
  if (missing) {
    if (servicesRequired) throw new Error(`required service is missing: ${missing}`);
    console.log(`﹣ extension-host suite skipped: ${missing}`);
    return 0;
  }
  const suite = await buildExtensionHostSuite();
  const container = execFileSync('docker', ['create', baseImage(), 'true'], { encoding: 'utf8' }).trim();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-exthost-'));
  const testLog = path.join(scratch, 'mocha.log');
  // A built VS Code honours the URL payload's extension paths only with the smoke-test driver on.
  const server = await startCodeServer({ args: ['--vscode-option', 'enable-smoke-test-driver'], env: { DOCKER_HOST: process.env.DOCKER_HOST } });
  const { context, page } = await openBrowser(path.join(scratch, 'chromium'));
  let code: number | 'timeout';
  try {
    const exited = new Promise<number>((resolve) => void page.exposeFunction('codeAutomationExit', (c: number) => resolve(c)));
    const remote = (p: string) => `vscode-remote://${new URL(server.url).host}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(root)],
      ['extensionTestsPath', remote(suite)],
      ['extensionEnvironment', JSON.stringify({ STEVEDORE_EXTHOST_TEST_LOG: testLog, STEVEDORE_EXTHOST_CONTAINER: container, DOCKER_HOST: process.env.DOCKER_HOST })],
    ];
    await page.goto(`${server.workbenchUrl}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    let timer: NodeJS.Timeout | undefined;
    code = await Promise.race([exited, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), TIMEOUT_MS)))]);
    clearTimeout(timer);
    if (fs.existsSync(testLog)) process.stdout.write(fs.readFileSync(testLog, 'utf8'));
    if (code === 'timeout') {
      console.error(`the extension-host suite gave no result within ${TIMEOUT_MS / 1000} s\n${server.output().slice(-3000)}`);
      fs.mkdirSync(path.join(root, 'test-results'), { recursive: true });
      await page.screenshot({ path: path.join(root, 'test-results/exthost-timeout.png') }).catch(() => undefined);
      return 1;
    }
    return code;
  } finally {
    await context.close().catch(() => undefined);
    await server.stop();
    execFileSync('docker', ['rm', '-f', container], { stdio: 'ignore' });
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().then((code) => (process.exitCode = code), (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
