import assert from 'node:assert/strict';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { TarParser } from '../../src/core/layers/tarParser';
import { readTar } from '../../src/core/layers/tarReader';
import { fuzz, mutateBytes } from '../support/fuzz';
import { extensionRecord, makeTar } from '../support/tarBuilder';

/** Valid small tars to mutate: ustar names, a PAX path, a directory, links, a file spanning blocks. */
const SEEDS = [
  makeTar([{ path: 'etc', type: 'dir' }, { path: 'etc/passwd', content: 'root:x:0:0\n' }, { path: 'etc/link', type: 'symlink', link: 'passwd' }]),
  makeTar([{ path: `${'deep/'.repeat(30)}file`, content: Buffer.alloc(1500, 1) }, { path: 'hard', type: 'hardlink', link: 'deep/file' }]),
  makeTar([{ path: 'ünï.txt', content: 'u' }]),
];

function pax(record: string): Buffer {
  let length = record.length + 3;
  while (`${length} ${record}\n`.length !== length) length = `${length} ${record}\n`.length;
  return Buffer.from(`${length} ${record}\n`);
}

/** Header values a hostile archive would try: bad octal, base-256 of either sign, PAX junk. */
const INTERESTING = [
  Buffer.from('77777777777\0'), Buffer.from('-0001536\0'), Buffer.from('9999\0'), Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0]),
  Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfa, 0x00]), Buffer.from([0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
  pax('size=-1536'), pax('size=99999999999999999999'), pax('uid=4294967296'), pax('mtime=1e400'), pax('mtime=abc'), pax('path=a/../../x'), Buffer.from('-5 x=y\n'), Buffer.from('99999999 path=x\n'),
  Buffer.from('x'), Buffer.from('L'), Buffer.from('g'), Buffer.from('0'),
];

/** Every chunk size the readers meet: whole, one byte, odd splits. */
function chunks(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

/** A failure is an Error with a one-line message: never a TypeError, RangeError or the like. */
function assertCleanError(err: unknown): void {
  assert.ok(err instanceof Error, `threw a non-Error: ${String(err)}`);
  assert.equal(err.constructor, Error, `threw ${err.constructor.name}: ${err.message}`);
  assert.doesNotMatch(err.message, /\n|undefined|NaN|Invalid/, err.message);
}

/** Each entry's fields are what a consumer can rely on: sizes and ids in range, dates valid. */
function assertSane(entry: { size: number; uid: number; gid: number; mtime: number; mode: number }): void {
  assert.ok(Number.isSafeInteger(entry.size) && entry.size >= 0, `size ${entry.size}`);
  assert.ok(Number.isSafeInteger(entry.uid) && entry.uid >= 0 && entry.uid < 2 ** 32, `uid ${entry.uid}`);
  assert.ok(Number.isSafeInteger(entry.gid) && entry.gid >= 0 && entry.gid < 2 ** 32, `gid ${entry.gid}`);
  assert.ok(Number.isSafeInteger(entry.mode) && entry.mode >= 0, `mode ${entry.mode}`);
  assert.doesNotThrow(() => new Date(entry.mtime).toISOString());
}

/** V8's collector, for measuring what stays rather than what awaits collection. */
function collector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

test('tar readers: mutated archives end, with entries in range or a clean error, in bounded memory', async () => {
  // Per case, what one input makes the readers allocate; and what stays after a collection.
  const gc = collector();
  gc();
  const heapStart = process.memoryUsage().heapUsed;
  let peak = 0;
  let retained = 0;
  const cases = await fuzz('tar', async (n, random) => {
    const caseStart = process.memoryUsage().heapUsed;
    const input = mutateBytes(random, SEEDS[n % SEEDS.length], INTERESTING);
    const size = [input.length || 1, 1, 511, 700][Math.floor(random() * 4)];

    // Push parser: bounded by the input (each push consumes its chunk), so it ends by construction;
    // it must not throw anything but a clean Error.
    let entries = 0;
    const parser = new TarParser({ entry: (e) => { assertSane(e); entries++; }, data: () => undefined, entryEnd: () => undefined });
    try {
      for (const chunk of chunks(input, size)) parser.push(chunk);
      parser.end();
    } catch (err) {
      assertCleanError(err);
    }
    assert.ok(entries <= input.length / 512, `${entries} entries from ${input.length} bytes`);

    // Pull reader: at most one entry per 512 bytes, so more iterations than that is a loop.
    let pulled = 0;
    try {
      for await (const entry of readTar(chunks(input, size))) {
        assertSane(entry);
        if (++pulled > input.length / 512) assert.fail(`${pulled} entries from ${input.length} bytes: the reader does not progress`);
        if (random() < 0.5) for await (const part of entry.body) assert.ok(part.length <= entry.size);
      }
    } catch (err) {
      if (err instanceof assert.AssertionError) throw err;
      assertCleanError(err);
    }
    peak = Math.max(peak, process.memoryUsage().heapUsed - caseStart);
    if (n % 500 === 0) {
      gc();
      retained = Math.max(retained, process.memoryUsage().heapUsed - heapStart);
    }
  });
  assert.ok(cases > 50, `only ${cases} cases ran`);
  // Extension records are capped at 1 MiB and only a few PAX keys are held: nothing grows with the input.
  assert.ok(peak < 64 << 20, `one case grew the heap by ${peak} bytes`);
  assert.ok(retained < 16 << 20, `${retained} bytes stayed on the heap across cases`);
});

test('regressions: a PAX size of -1536 is refused by both readers, not looped over', async () => {
  const tar = Buffer.concat([...[pax('size=-1536')].map((data) => extensionRecord('x', data)), makeTar([{ path: 'f', content: '' }])]);
  assert.throws(() => new TarParser({ entry: () => undefined, data: () => undefined, entryEnd: () => undefined }).push(tar), /corrupt tar header at byte 1024: PAX size is not a number/);
  await assert.rejects(async () => {
    for await (const entry of readTar([tar])) void entry;
  }, /corrupt tar header at byte 1024: PAX size is not a number/);
});

test('regressions: many consecutive 1 MB PAX records are streamed, not held', async () => {
  const record = extensionRecord('x', pax(`comment=${'c'.repeat(1000_000)}`));
  const last = makeTar([{ path: 'f', content: 'x' }]);
  const before = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  let peak = 0;
  const stream = function* () {
    for (let i = 0; i < 100; i++) {
      peak = Math.max(peak, process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers - before);
      yield record;
    }
    yield last;
  };
  const names: string[] = [];
  for await (const entry of readTar(stream())) names.push(entry.path);
  assert.deepEqual(names, ['f']);
  assert.ok(peak < 32 << 20, `held ${peak} bytes for 100 MB of PAX records`);
  assert.throws(() => new TarParser({ entry: () => undefined, data: () => undefined, entryEnd: () => undefined }).push(extensionRecord('x', Buffer.alloc(0), (1 << 20) + 1)), /larger than the 1048576 bytes allowed/);
});
