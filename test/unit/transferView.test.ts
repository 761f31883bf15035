import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TransferView } from '../../src/cli/transferView';

function sink(columns = 100) {
  const written: string[] = [];
  return { out: { columns, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream, written };
}

describe('pull/push progress in the CLI', () => {
  test('piped: one plain line per change of a layer status, not per chunk', () => {
    const { out, written } = sink();
    const view = new TransferView(out, false);
    view.update({ id: 'aaa', status: 'Waiting', total: 2_000_000 });
    for (let i = 1; i <= 5; i++) view.update({ id: 'aaa', status: 'Downloading', current: i * 400_000, total: 2_000_000 });
    view.update({ id: 'aaa', status: 'Download complete', current: 2_000_000, total: 2_000_000 });
    view.finish();
    assert.deepEqual(written, ['aaa: Waiting\n', 'aaa: Downloading (2MB)\n', 'aaa: Download complete (2MB)\n']);
  });

  test('on a terminal: one line per layer, redrawn in place with a bar', () => {
    const { out, written } = sink();
    const view = new TransferView(out, true);
    view.update({ id: 'aaa', status: 'Waiting' });
    view.update({ id: 'bbb', status: 'Already exists' });
    view.update({ id: 'aaa', status: 'Download complete' });
    view.finish();
    const last = written.at(-1)!;
    assert.ok(last.startsWith('\x1b[2A'), 'moves up over the two lines drawn before');
    assert.deepEqual(last.replaceAll('\x1b[2A', '').replaceAll('\x1b[2K', '').split('\n'), ['aaa: Download complete', 'bbb: Already exists', '']);
  });
});
