import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { humanDuration, humanSize, printable, systemErrorMessage } from '../../src/engine/humanize';

describe('sizes and durations as the docker CLI words them', () => {
  test('sizes: decimal units, three significant digits', () => {
    assert.equal(humanSize(0), '0B');
    assert.equal(humanSize(999), '999B');
    assert.equal(humanSize(4100), '4.1kB');
    assert.equal(humanSize(1_990_000), '1.99MB');
    assert.equal(humanSize(1_236_000), '1.24MB');
    assert.equal(humanSize(77_800_000), '77.8MB');
    assert.equal(humanSize(1_200_000_000), '1.2GB');
    assert.equal(humanSize(-5), '0B');
  });

  test('durations: go-units wording', () => {
    assert.equal(humanDuration(200), 'Less than a second');
    assert.equal(humanDuration(1000), '1 second');
    assert.equal(humanDuration(45_000), '45 seconds');
    assert.equal(humanDuration(90_000), 'About a minute');
    assert.equal(humanDuration(10 * 60_000), '10 minutes');
    assert.equal(humanDuration(60 * 60_000), 'About an hour');
    assert.equal(humanDuration(5 * 3600_000), '5 hours');
    assert.equal(humanDuration(3 * 86_400_000), '3 days');
    assert.equal(humanDuration(20 * 86_400_000), '2 weeks');
    assert.equal(humanDuration(100 * 86_400_000), '3 months');
    assert.equal(humanDuration(800 * 86_400_000), '2 years');
  });
});

describe('printable: outside text made safe for a terminal', () => {
  test('escape, bell, carriage return, DEL and C1 controls are escaped; tab and newline kept', () => {
    assert.equal(printable('ok\x1b[2K\rverified OK\x07'), 'ok\\x1b[2K\\x0dverified OK\\x07');
    assert.equal(printable('a\tb\nc\x7f\x9b'), 'a\tb\nc\\x7f\\x9b');
    assert.equal(printable('line\u2028sep'), 'line\\u2028sep');
    assert.equal(printable('admin\u202e\u2066txt.exe'), 'admin\\u202e\\u2066txt.exe');
    assert.equal(printable('café 😀'), 'café 😀');
  });

  test('oneLine escapes newlines too', () => {
    assert.equal(printable('a\nb', true), 'a\\nb');
  });
});

describe('systemErrorMessage: Node system errors as a sentence naming the path', () => {
  const thrown = (fn: () => unknown): unknown => {
    try {
      fn();
    } catch (err) {
      return err;
    }
    throw new Error('did not throw');
  };

  test('real filesystem failures: the call, the path (and the destination) and the reason, no error code', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-syserr-'));
    try {
      const file = path.join(dir, 'f');
      fs.writeFileSync(file, '');
      assert.equal(systemErrorMessage(thrown(() => fs.mkdirSync(path.join(file, 'sub')))), `cannot mkdir ${file}/sub: not a directory`);
      assert.equal(systemErrorMessage(thrown(() => fs.readFileSync(path.join(dir, 'missing')))), `cannot open ${dir}/missing: no such file or directory`);
      assert.equal(systemErrorMessage(thrown(() => fs.renameSync(path.join(dir, 'missing'), path.join(dir, 'to')))), `cannot rename ${dir}/missing to ${dir}/to: no such file or directory`);
      assert.equal(systemErrorMessage(thrown(() => fs.readdirSync(file))), `cannot scandir ${file}: not a directory`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('errors that are not system errors are left to their own message', () => {
    assert.equal(systemErrorMessage(new Error('plain')), undefined);
    assert.equal(systemErrorMessage(thrown(() => fs.utimesSync('/', NaN, NaN))), undefined);
    assert.equal(systemErrorMessage('text'), undefined);
    assert.equal(systemErrorMessage(undefined), undefined);
  });
});
