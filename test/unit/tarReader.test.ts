import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readTar, type TarEntry } from '../../src/core/layers/tarReader';

/** Archives made by GNU tar from a tree the test writes: the reader must list what tar lists. */
describe('tar reader', () => {
  let dir: string;
  const longName = `${'deep/'.repeat(25)}file-with-a-very-long-name.txt`;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-tar-'));
    const root = path.join(dir, 'root');
    fs.mkdirSync(path.join(root, path.dirname(longName)), { recursive: true });
    fs.writeFileSync(path.join(root, longName), 'long\n');
    fs.writeFileSync(path.join(root, 'hello.txt'), 'hello\n');
    fs.writeFileSync(path.join(root, 'ünïcødé.txt'), 'u\n');
    fs.writeFileSync(path.join(root, 'big.bin'), Buffer.alloc(5 * 1024 * 1024 + 123, 7));
    fs.symlinkSync('hello.txt', path.join(root, 'link'));
    fs.linkSync(path.join(root, 'hello.txt'), path.join(root, 'hard'));
    fs.chmodSync(path.join(root, 'hello.txt'), 0o640);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function list(format: string): Promise<{ entries: TarEntry[]; bodies: Map<string, Buffer> }> {
    const file = path.join(dir, `${format}.tar`);
    execFileSync('tar', ['-c', `--format=${format}`, '-f', file, '-C', path.join(dir, 'root'), '.']);
    const entries: TarEntry[] = [];
    const bodies = new Map<string, Buffer>();
    for await (const e of readTar(fs.createReadStream(file, { highWaterMark: 3000 }))) {
      entries.push(e);
      if (e.path === 'hello.txt' || e.path === longName) {
        const parts: Buffer[] = [];
        for await (const b of e.body) parts.push(b);
        bodies.set(e.path, Buffer.concat(parts));
      }
    }
    return { entries, bodies };
  }

  for (const format of ['gnu', 'pax', 'ustar']) {
    test(`${format}: names, types, sizes, modes and links as tar lists them`, async () => {
      if (format === 'ustar') {
        // ustar cannot hold a 150-character path in one component split: GNU tar refuses it.
        fs.rmSync(path.join(dir, 'root', 'deep'), { recursive: true, force: true });
      }
      const { entries, bodies } = await list(format);
      const names = entries.map((e) => e.path).filter(Boolean).sort();
      const tarNames = execFileSync('tar', ['-tf', path.join(dir, `${format}.tar`)], { encoding: 'utf8' }).split('\n').filter(Boolean)
        .map((n) => n.replace(/^\.\//, '').replace(/\/$/, '')).filter((n) => n && n !== '.').sort();
      assert.deepEqual(names, tarNames);
      const byName = new Map(entries.map((e) => [e.path, e]));
      assert.equal(byName.get('hello.txt')?.type, 'file');
      assert.equal(byName.get('hello.txt')?.mode, 0o640);
      assert.equal(bodies.get('hello.txt')?.toString(), 'hello\n');
      assert.equal(byName.get('big.bin')?.size, 5 * 1024 * 1024 + 123);
      assert.equal(byName.get('link')?.type, 'symlink');
      assert.equal(byName.get('link')?.linkName, 'hello.txt');
      const hard = byName.get('hard') ?? byName.get('hello.txt');
      assert.ok(hard);
      assert.ok(names.includes('ünïcødé.txt'));
      if (format !== 'ustar') {
        assert.equal(byName.get(longName)?.type, 'file');
        assert.equal(bodies.get(longName)?.toString(), 'long\n');
      }
      assert.ok(Math.abs(byName.get('hello.txt')!.mtime - fs.statSync(path.join(dir, 'root', 'hello.txt')).mtimeMs) < 1000);
    });
  }

  test('a truncated archive and a corrupt header are errors, not half entries', async () => {
    const file = path.join(dir, 'gnu.tar');
    execFileSync('tar', ['-c', '-f', file, '-C', path.join(dir, 'root'), 'big.bin']);
    const whole = fs.readFileSync(file);
    await assert.rejects(async () => {
      for await (const e of readTar([whole.subarray(0, 512 + 1000)])) for await (const _ of e.body) void _;
    }, /the stream ended \d+ bytes early/);
    const corrupt = Buffer.from(whole);
    corrupt[10] ^= 0xff;
    await assert.rejects(async () => {
      for await (const _ of readTar([corrupt])) void _;
    }, /bad header checksum at byte 0/);
    const notTar = Buffer.alloc(1024, 65);
    await assert.rejects(async () => {
      for await (const _ of readTar([notTar])) void _;
    }, /not a tar archive/);
  });
});
