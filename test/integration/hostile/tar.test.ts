import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import zlib from 'node:zlib';
import { assertClean, assertRefused, runCli, userDir, usersMissing, type AsUser } from '../../support/hostile';
import { skipUnlessAvailable } from '../../support/services';
import { makeImageArchive, makeTar, type TestEntry } from '../../support/tarBuilder';

const CORE = ['--engine', 'core'];

/** `tar` with `bytes` written at `offset` of the header of its entry named `name`, and the checksum made right. */
function patchHeader(tar: Buffer, name: string, offset: number, bytes: Buffer): Buffer {
  const out = Buffer.from(tar);
  for (let at = 0; at + 512 <= out.length; at += 512) {
    if (out.toString('latin1', at, at + name.length + 1) !== `${name}\0`) continue;
    bytes.copy(out, at + offset);
    out.write('        ', at + 148, 'latin1');
    let sum = 0;
    for (let i = at; i < at + 512; i++) sum += out[i];
    out.write(`${sum.toString(8).padStart(6, '0')}\0 `, at + 148, 'latin1');
    return out;
  }
  throw new Error(`no header named ${name}`);
}

/** A PAX extended header (type x) with `data`, its size field saying `size`. */
function paxBlock(data: Buffer, size = data.length): Buffer {
  let header = patchHeader(makeTar([{ path: 'PaxHeader', content: '' }]).subarray(0, 512), 'PaxHeader', 124, Buffer.from(`${size.toString(8).padStart(11, '0')}\0`));
  header = patchHeader(header, 'PaxHeader', 156, Buffer.from('x'));
  return Buffer.concat([header, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

/** A PAX extended header holding `record` before a tar's entries. */
function withPax(record: string, tar: Buffer): Buffer {
  let length = record.length + 3;
  while (`${length} ${record}\n`.length !== length) length = `${length} ${record}\n`.length;
  return Buffer.concat([paxBlock(Buffer.from(`${length} ${record}\n`)), tar]);
}

/** Entries (and their files) of every unpacked copy of `rel` in a store: layer caches (root) and copied trees (rootless). */
function unpacked(home: string, rel: string | Buffer): Buffer[] {
  const found: Buffer[] = [];
  for (const [dir, sub] of [[path.join('layers', 'sha256'), 'fs'], ['containers', 'upper']]) {
    const ids = fs.existsSync(path.join(home, dir)) ? fs.readdirSync(path.join(home, dir), { withFileTypes: true }) : [];
    for (const id of ids.filter((e) => e.isDirectory())) {
      const file = Buffer.concat([Buffer.from(path.join(home, dir, id.name, sub)), Buffer.from('/'), Buffer.from(rel)]);
      if (fs.existsSync(file)) found.push(file);
    }
  }
  return found;
}

/** Loads an image of these layers as hostile/tar:1 and runs it (the command does not exist: the unpacking is what counts). */
function loadAndRun(user: AsUser, home: string, layers: Buffer[], timeoutMs = 60_000) {
  const archive = path.join(home, 'image.tar');
  fs.writeFileSync(archive, makeImageArchive(layers, { tag: 'hostile/tar:1' }));
  const load = runCli(user, home, ['load', '-i', archive, ...CORE], { timeoutMs: 30_000 });
  assert.equal(load.status, 0, load.stderr);
  return runCli(user, home, ['run', ...CORE, 'hostile/tar:1', '/not-a-command'], { timeoutMs });
}

/** The run failed to start the container (exit 125, as docker run), with a clean message matching `message`, in time. */
function assertRunRefused(r: ReturnType<typeof runCli>, message: RegExp): void {
  assert.equal(r.signal, null, `killed after ${r.ms} ms:\n${r.stderr}`);
  assert.equal(r.status, 125, `exit ${r.status}:\n${r.stdout}${r.stderr}`);
  assertClean(r.stdout + r.stderr);
  assert.match(r.stderr, message);
}

/** The run got past the unpacking: it failed to start the command only. */
function assertUnpacked(r: ReturnType<typeof runCli>): void {
  assert.equal(r.signal, null, `killed after ${r.ms} ms`);
  assertClean(r.stdout + r.stderr);
  assert.match(r.stderr, /not-a-command/, r.stderr);
}

/** Corrupt headers, each once as the archive itself (load, inspect) and once as a layer inside one. */
const CORRUPT: { name: string; tar: () => Buffer; message: RegExp }[] = [
  // The 2,560-byte tar that looped forever: PAX size=-1536 before an empty file.
  { name: 'PAX size=-1536', tar: () => withPax('size=-1536', makeTar([{ path: 'f', content: '' }])), message: /corrupt tar header at byte 1024: PAX size is not a number/ },
  { name: 'PAX uid past 32 bits', tar: () => withPax('uid=4294967296', makeTar([{ path: 'f', content: '' }])), message: /corrupt tar header at byte 1024: uid 4294967296 is out of range/ },
  { name: 'negative base-256 size', tar: () => patchHeader(makeTar([{ path: 'f', content: '' }]), 'f', 124, Buffer.alloc(12, 0xff)), message: /corrupt tar header at byte 0: size is negative/ },
  { name: 'base-256 size past 2^53', tar: () => patchHeader(makeTar([{ path: 'f', content: '' }]), 'f', 124, Buffer.from([0x80, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), message: /corrupt tar header at byte 0: size is too large/ },
  { name: 'non-octal mode', tar: () => patchHeader(makeTar([{ path: 'f', content: '' }]), 'f', 100, Buffer.from('0009x44\0')), message: /corrupt tar header at byte 0: mode is not a number/ },
  { name: 'PAX record with a negative length', tar: () => Buffer.concat([paxBlock(Buffer.from('-5 x=y\n')), makeTar([{ path: 'f', content: '' }])]), message: /corrupt tar header at byte 0: malformed PAX record/ },
];

describe('hostile tars: headers, memory, depth, names, modes, space, times', { skip: skipUnlessAvailable(usersMissing()) }, () => {
  for (const user of ['root', 'nobody'] as const) {
    for (const c of CORRUPT) {
      test(`${user}: ${c.name} is refused by load -i, load -i of its gzip and inspect FILE, each in bounded time`, () => {
        const { dir, cleanup } = userDir(user);
        try {
          fs.writeFileSync(path.join(dir, 'evil.tar'), c.tar());
          fs.writeFileSync(path.join(dir, 'evil.tar.gz'), zlib.gzipSync(c.tar()));
          for (const args of [['load', '-i', 'evil.tar', ...CORE], ['load', '-i', 'evil.tar.gz', ...CORE], ['inspect', 'evil.tar']]) {
            const r = runCli(user, dir, args, { timeoutMs: 20_000 });
            assertRefused(r, c.message);
          }
        } finally {
          cleanup();
        }
      });
    }

    test(`${user}: a layer with a PAX size=-1536 is refused when run, naming the layer's trouble`, () => {
      const { dir, cleanup } = userDir(user);
      try {
        const r = loadAndRun(user, dir, [CORRUPT[0].tar()], 20_000);
        assertRunRefused(r, /layer rejected: entry "\(none\)" is unreadable: corrupt tar header at byte 1024: PAX size is not a number/);
      } finally {
        cleanup();
      }
    });

    test(`${user}: a 1 MB gzip of PAX data is refused by load -i in bounded time and memory`, () => {
      const { dir, cleanup } = userDir(user);
      try {
        // A 1.5 GB extended header, then 100 records of 1 MB each (each allowed, none held after).
        const many = withPax(`comment=${'c'.repeat(1000_000)}`, Buffer.alloc(0));
        fs.writeFileSync(path.join(dir, 'many.tar.gz'), zlib.gzipSync(Buffer.concat([...Array.from({ length: 100 }, () => many), makeTar([{ path: 'f', content: 'x' }])])));
        fs.writeFileSync(path.join(dir, 'huge.tar.gz'), zlib.gzipSync(Buffer.concat([paxBlock(Buffer.alloc(0), 1536 * 2 ** 20), Buffer.alloc(16 << 20)])));
        const r = runCli(user, dir, ['load', '-i', 'huge.tar.gz', ...CORE], { timeoutMs: 20_000, peakRss: true });
        assertRefused(r, /extended header is larger than the 1048576 bytes allowed/);
        assert.ok(r.peakRssKb! < 300 << 10, `peak RSS ${r.peakRssKb} KB`);
        const m = runCli(user, dir, ['load', '-i', 'many.tar.gz', ...CORE], { timeoutMs: 30_000, peakRss: true });
        assertRefused(m, /manifest|not an image|archive/i);
        assert.ok(m.peakRssKb! < 300 << 10, `peak RSS ${m.peakRssKb} KB for 100 MB of PAX records`);
      } finally {
        cleanup();
      }
    });

    test(`${user}: a 1,000-deep layer unpacks in linear time`, () => {
      const { dir, cleanup } = userDir(user);
      try {
        const entries: TestEntry[] = [];
        let p = '';
        for (let i = 0; i < 1000; i++) {
          p = p ? `${p}/d` : 'd';
          entries.push({ path: p, type: 'dir' }, { path: `${p}/f`, content: `${i}` });
        }
        const r = loadAndRun(user, dir, [zlib.gzipSync(makeTar(entries))], 60_000);
        assertUnpacked(r);
        // 88.5 s before (quadratic path walks); GNU tar takes ~1 s here.
        assert.ok(r.ms < 30_000, `${r.ms} ms`);
        assert.equal(fs.readFileSync(unpacked(dir, `${p}/f`)[0], 'utf8'), '999');
      } finally {
        cleanup();
      }
    });

    test(`${user}: a path past PATH_MAX is refused naming the entry, not with ENAMETOOLONG`, () => {
      const { dir, cleanup } = userDir(user);
      try {
        const name = 'n'.repeat(250);
        const entries: TestEntry[] = Array.from({ length: 20 }, (_, i) => ({ path: Array(i + 1).fill(name).join('/'), type: 'dir' }));
        const r = loadAndRun(user, dir, [makeTar(entries)], 30_000);
        assertRunRefused(r, /layer rejected: entry "n+….*n+" is too deep to unpack: its path on the host would be \d+ bytes, more than the 4095 the system allows/);
        assert.doesNotMatch(r.stderr, /ENAMETOOLONG/);
      } finally {
        cleanup();
      }
    });

    test(`${user}: two names that are not UTF-8 (caf\\xe9, caf\\xe8) make two files with their exact bytes`, () => {
      const { dir, cleanup } = userDir(user);
      try {
        let tar = makeTar([{ path: 'cafX', content: 'e9' }, { path: 'cafY', content: 'e8' }]);
        tar = patchHeader(tar, 'cafX', 3, Buffer.from([0xe9]));
        tar = patchHeader(tar, 'cafY', 3, Buffer.from([0xe8]));
        assertUnpacked(loadAndRun(user, dir, [tar]));
        const e9 = unpacked(dir, Buffer.from('caf\xe9', 'latin1'));
        const e8 = unpacked(dir, Buffer.from('caf\xe8', 'latin1'));
        assert.equal(e9.length, 1);
        assert.equal(fs.readFileSync(e9[0], 'utf8'), 'e9');
        assert.equal(fs.readFileSync(e8[0], 'utf8'), 'e8');
      } finally {
        cleanup();
      }
    });

    test(`${user}: a 0555 directory with children unpacks (its mode set after them), and a later layer adds to it`, () => {
      const { dir, cleanup } = userDir(user);
      try {
        const lower = makeTar([{ path: 'usr', type: 'dir' }, { path: 'usr/bin', type: 'dir', mode: 0o555 }, { path: 'usr/bin/a', content: 'a' }, { path: 'usr/bin/sub', type: 'dir', mode: 0o555 }, { path: 'usr/bin/sub/c', content: 'c' }]);
        const upper = makeTar([{ path: 'usr/bin/b', content: 'b' }]);
        assertUnpacked(loadAndRun(user, dir, [lower, upper]));
        assert.equal(unpacked(dir, 'usr/bin/a').length, 1);
        assert.equal(unpacked(dir, 'usr/bin/sub/c').length, 1);
        assert.equal(unpacked(dir, 'usr/bin/b').length, 1);
        for (const bin of unpacked(dir, 'usr/bin/a').map((f) => path.dirname(f.toString()))) assert.equal(fs.statSync(bin).mode & 0o7777, 0o555);
      } finally {
        cleanup();
      }
    });

    test(`${user}: a huge mtime is clamped: inspect --json and the unpacking both work`, () => {
      const { dir, cleanup } = userDir(user);
      try {
        const layer = patchHeader(makeTar([{ path: 'old', content: 'x' }, { path: 'future', content: 'y' }]), 'future', 136, Buffer.from([0x80, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
        fs.writeFileSync(path.join(dir, 'image.tar'), makeImageArchive([layer], { tag: 'hostile/tar:1' }));
        const r = runCli(user, dir, ['inspect', 'image.tar', '--json'], { timeoutMs: 20_000 });
        assert.equal(r.status, 0, r.stderr);
        assertClean(r.stdout + r.stderr);
        assert.match(r.stdout, /"mtime": ?"\+275760-09-13T00:00:00.000Z"/);
        assertUnpacked(loadAndRun(user, dir, [layer]));
        assert.equal(unpacked(dir, 'future').length, 1);
      } finally {
        cleanup();
      }
    });

    test(`${user}: a layer larger than the space left stops with "not enough space", and its partial unpacking is removed`, () => {
      const { dir, cleanup } = userDir(user);
      const mount = path.join(dir, 'small');
      fs.mkdirSync(mount);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m,mode=1777', 'tmpfs', mount]);
      try {
        const home = path.join(mount, 'home');
        fs.mkdirSync(home);
        if (user === 'nobody') fs.chownSync(home, 65534, 65534);
        // 20 files of 8 MB: 160 MB unpacked from a gzip of about 160 KB.
        const layer = zlib.gzipSync(makeTar(Array.from({ length: 20 }, (_, i) => ({ path: `big-${i}`, content: Buffer.alloc(8 << 20) }))));
        const free = () => fs.statfsSync(mount).bavail;
        const r = loadAndRun(user, home, [layer], 30_000);
        assertRunRefused(r, /not enough space on .*: entry "big-\d+" declares 8388608 bytes, more than the \d+ bytes left \(\d+ bytes are kept free\)/);
        const after = free();
        // What is left is the store's blobs: the unpacked files are gone.
        assert.ok(after * fs.statfsSync(mount).bsize > 40 << 20, `${after} blocks free after`);
      } finally {
        // Lazily when busy (a container process still ending): the mount never outlives the test.
        if (spawnSync('umount', [mount]).status !== 0) spawnSync('umount', ['-l', mount]);
        cleanup();
      }
    });
  }
});
