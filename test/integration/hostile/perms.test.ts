import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { coreBaseMissing } from '../../support/coreRuntime';
import { assertClean, assertRefused, NOBODY, runCli, userDir, usersMissing, type AsUser, type CliResult } from '../../support/hostile';
import { baseImage, buildFromText, docker, skipUnlessAvailable, uniqueName } from '../../support/services';

const USERS: readonly AsUser[] = ['root', 'nobody'];
const UID = { root: 0, nobody: NOBODY } as const;
/** Another local user than the store's owner: the one who must not reach its files. */
const OTHER = { root: NOBODY, nobody: NOBODY - 1 } as const;
const TREES = ['images', 'layers', 'containers', 'build'];

function core(user: AsUser, home: string, args: readonly string[], timeoutMs = 30_000): CliResult {
  return runCli(user, home, args, { env: { STEVEDORE_ENGINE: 'core' }, timeoutMs });
}

/** The CLI ended by itself, with status 0 and clean output. */
function assertOk(r: CliResult): void {
  assert.equal(r.signal, null, `killed by ${r.signal} after ${r.ms} ms (it did not end in time):\n${r.stderr}`);
  assert.equal(r.status, 0, `exit ${r.status}:\n${r.stdout}\n${r.stderr}`);
  assertClean(r.stdout + r.stderr);
}

function as(uid: number, argv: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', ...argv], { encoding: 'utf8', timeout: 10_000, env: { PATH: '/usr/bin:/bin' } });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function mode(file: string): number {
  return fs.statSync(file).mode & 0o7777;
}

function containerIds(home: string): string[] {
  return fs.readdirSync(path.join(home, 'containers')).filter((n) => /^[0-9a-f]{64}$/.test(n));
}

async function waitFor(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  for (const started = Date.now(); !ok(); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() - started > ms) assert.fail(`${what}: not within ${ms} ms`);
  }
}

describe('hostile: setuid files through the store, and removing what containers leave', { skip: skipUnlessAvailable(usersMissing() ?? coreBaseMissing()) }, () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-perms-'));
  const suidTag = `${uniqueName('stevedore-suid')}:1`;
  const suidArchive = path.join(work, 'suid.tar');
  const baseArchive = path.join(work, 'base.tar');
  before(() => {
    fs.chmodSync(work, 0o755);
    docker('tag', buildFromText(`FROM ${baseImage()}\nRUN cp /bin/busybox /bin/suid && chmod 4755 /bin/suid\n`), suidTag);
    docker('save', '-o', suidArchive, suidTag);
    docker('save', '-o', baseArchive, baseImage());
    for (const archive of [suidArchive, baseArchive]) fs.chmodSync(archive, 0o644);
  });
  after(() => {
    docker('rmi', suidTag);
    fs.rmSync(work, { recursive: true, force: true });
  });

  for (const user of USERS) {
    test(`${user}: an image's setuid-root busybox, unpacked into a store under /tmp, is out of another user's reach (layers, upper, merged) while its container runs`, async () => {
      const { dir: home, cleanup } = userDir(user);
      try {
        assert.equal(mode(home) & 0o077, 0o055, 'the store starts world-searchable, as /tmp paths are');
        assertOk(core(user, home, ['load', '-i', suidArchive]));
        assertOk(core(user, home, ['run', '-d', '--name', 'suid', suidTag, 'sh', '-c', 'cp /bin/busybox /up-suid && chmod 4755 /up-suid && exec sleep 30']));
        const [id] = containerIds(home);
        const container = path.join(home, 'containers', id);
        // Root gets an overlay over the unpacked layers; rootless, a copied tree in upper.
        const files = user === 'root'
          ? [...fs.readdirSync(path.join(home, 'layers', 'sha256')).map((l) => path.join(home, 'layers', 'sha256', l, 'fs/bin/suid')).filter((f) => fs.existsSync(f)), path.join(container, 'merged/bin/suid'), path.join(container, 'upper/up-suid')]
          : [path.join(container, 'upper/bin/suid'), path.join(container, 'upper/up-suid')];
        await waitFor('the container made /up-suid', () => fs.existsSync(files.at(-1)!) && (mode(files.at(-1)!) & 0o4000) !== 0);
        assert.equal(files.length, user === 'root' ? 3 : 2);
        for (const file of files) {
          const st = fs.statSync(file);
          assert.equal(st.mode & 0o4000, 0o4000, `${file} is setuid (the hazard is real)`);
          assert.equal(st.uid, UID[user], `${file} belongs to the store's owner`);
          const stat = as(OTHER[user], ['stat', '-c', '%a', file]);
          assert.notEqual(stat.status, 0, `uid ${OTHER[user]} could stat ${file}: ${stat.stdout}`);
          assert.match(stat.stderr, /Permission denied/);
          // Through a shell: setpriv itself execs with root's capabilities still held.
          const exec = as(OTHER[user], ['/bin/sh', '-c', 'exec "$0" id -u', file]);
          assert.notEqual(exec.status, 0, `uid ${OTHER[user]} ran ${file} as: ${exec.stdout}`);
          assert.match(exec.stderr, /Permission denied/);
        }
        for (const dir of [home, ...TREES.map((t) => path.join(home, t))]) assert.equal(mode(dir), 0o700, dir);
        assertOk(core(user, home, ['rm', '-f', 'suid']));
      } finally {
        for (const id of fs.existsSync(path.join(home, 'containers')) ? containerIds(home) : []) spawnSync('umount', [path.join(home, 'containers', id, 'merged')]);
        cleanup();
      }
    });

    test(`${user}: a store an earlier version made 0755 is made private at the next command`, () => {
      const { dir: home, cleanup } = userDir(user);
      try {
        for (const tree of TREES) {
          fs.mkdirSync(path.join(home, tree, 'inner'), { recursive: true, mode: 0o755 });
          fs.chownSync(path.join(home, tree), UID[user], UID[user]);
          fs.chmodSync(path.join(home, tree), 0o755);
        }
        fs.chmodSync(home, 0o775);
        assertOk(core(user, home, ['images']));
        for (const dir of [home, ...TREES.map((t) => path.join(home, t))]) assert.equal(mode(dir), 0o700, dir);
        assert.equal(mode(path.join(home, 'layers', 'inner')), 0o755, 'inside a private tree, modes stay as the image has them');
      } finally {
        cleanup();
      }
    });

    test(`${user}: a store directory that belongs to another user is refused, with what to run, and left as it was`, () => {
      const { dir: home, cleanup } = userDir(user);
      try {
        const owner = OTHER[user];
        fs.chownSync(home, owner, owner);
        fs.chmodSync(home, 0o777);
        fs.mkdirSync(path.join(home, 'tmp')); // runCli's TMPDIR
        const before = fs.readdirSync(home).sort();
        const r = core(user, home, ['images']);
        assertRefused(r, new RegExp(`the store directory ${home} belongs to uid ${owner}, not to you \\(uid ${UID[user]}\\).*chmod 700 ${home}$`, 'm'));
        assert.equal(mode(home), 0o777);
        assert.deepEqual(fs.readdirSync(home).sort(), before, 'nothing was created in it');
      } finally {
        cleanup();
      }
    });

    test(`${user}: a store path that is a file, or runs through one, is refused in words, not ENOTDIR`, () => {
      const { dir, cleanup } = userDir(user);
      try {
        const file = path.join(dir, 'file');
        fs.writeFileSync(file, 'x');
        fs.chownSync(file, UID[user], UID[user]);
        const env = (home: string) => ({ env: { STEVEDORE_ENGINE: 'core', STEVEDORE_HOME: home, TMPDIR: dir }, timeoutMs: 30_000 });
        assertRefused(runCli(user, dir, ['images'], env(file)), new RegExp(`^stevedore: the store directory ${file} is not a directory; move it away or set STEVEDORE_HOME to a directory of your own$`, 'm'));
        assertRefused(runCli(user, dir, ['images'], env(path.join(file, 'store'))), new RegExp(`^stevedore: cannot create the store directory ${file}/store: a parent is not a directory; set STEVEDORE_HOME to a directory of your own$`, 'm'));
        assert.equal(fs.readFileSync(file, 'utf8'), 'x');
      } finally {
        cleanup();
      }
    });

    test(`${user}: rm of a container holding 0000 directories removes its files, then frees its name`, () => {
      const { dir: home, cleanup } = userDir(user);
      try {
        assertOk(core(user, home, ['load', '-i', baseArchive]));
        // A 0000 dir holding another one, whose name is not UTF-8 (the walk must still find it).
        assertOk(core(user, home, ['run', '--name', 'locked', baseImage(), 'sh', '-c', 'n="/d/e/caf$(printf \'\\351\')" && mkdir -p "$n/g" && chmod 000 "$n" /d']));
        const d = path.join(home, 'containers', containerIds(home)[0], 'upper', 'd');
        assert.equal(mode(d), 0, 'the container left a 0000 /d');
        assert.deepEqual(fs.readdirSync(path.join(d, 'e'), { encoding: 'buffer' }), [Buffer.from('caf\xe9', 'latin1')]);
        assertOk(core(user, home, ['rm', 'locked']));
        const ps = core(user, home, ['ps', '-a']);
        assertOk(ps);
        assert.doesNotMatch(ps.stdout, /locked/);
        assert.deepEqual(fs.readdirSync(path.join(home, 'containers')), ['names'], 'no container files are left');
        assert.deepEqual(fs.readdirSync(path.join(home, 'containers', 'names')), [], 'no name is left');
        assertOk(core(user, home, ['run', '--name', 'locked', baseImage(), 'true']));
        assertOk(core(user, home, ['rm', 'locked']));
      } finally {
        cleanup();
      }
    });

    test(`${user}: a container whose files cannot all be removed stays listed as dead with the reason, and keeps its name until rm succeeds`, () => {
      const { dir: home, cleanup } = userDir(user);
      const blocker = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-blocker-'));
      let mountPoint: string | undefined;
      try {
        assertOk(core(user, home, ['load', '-i', baseArchive]));
        assertOk(core(user, home, ['run', '--name', 'stuck', baseImage(), 'mkdir', '/d']));
        // A mount on one of its dirs: deleting it fails (EBUSY for root, EPERM or EACCES for nobody).
        mountPoint = path.join(home, 'containers', containerIds(home)[0], 'upper', 'd');
        assert.equal(spawnSync('mount', ['--bind', blocker, mountPoint]).status, 0);
        const failed = core(user, home, ['rm', 'stuck']);
        assertRefused(failed, /^stevedore: Error removing container stuck: its files under .* could not all be deleted \([a-z ]+\); it stays listed as dead until "stevedore rm" succeeds$/m);
        const ps = core(user, home, ['ps', '-a']);
        assertOk(ps);
        assert.match(ps.stdout, /Dead\s+stuck/);
        const again = core(user, home, ['run', '--name', 'stuck', baseImage(), 'true']);
        assert.equal(again.status, 125, again.stderr);
        assert.match(again.stderr, /name "\/stuck" is already in use/);
        assert.equal(spawnSync('umount', [mountPoint]).status, 0);
        mountPoint = undefined;
        assertOk(core(user, home, ['rm', 'stuck']));
        assert.deepEqual(fs.readdirSync(path.join(home, 'containers', 'names')), []);
        assert.deepEqual(containerIds(home), []);
      } finally {
        if (mountPoint) spawnSync('umount', [mountPoint]);
        fs.rmSync(blocker, { recursive: true, force: true });
        cleanup();
      }
    });
  }
});
