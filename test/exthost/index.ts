// The entry VS Code's extension host calls for extensionTestsPath (code-server here, desktop VS
// Code through @vscode/test-electron elsewhere): run() resolves when every test passed.
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import Mocha from 'mocha';

export function run(): Promise<void> {
  // The host's console reaches the runner only in pieces: the runner passes a file to tee into.
  const logFile = process.env.STEVEDORE_EXTHOST_TEST_LOG;
  const base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void };
  const original = base.consoleLog;
  if (logFile) {
    base.consoleLog = (...args: unknown[]) => {
      fs.appendFileSync(logFile, `${util.format(...args)}\n`);
      original(...args);
    };
  }
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  for (const f of fs.readdirSync(__dirname).sort()) if (f.endsWith('.test.js')) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => {
      base.consoleLog = original;
      if (failures > 0) reject(new Error(`${failures} extension-host tests failed`));
      else resolve();
    });
  });
}
