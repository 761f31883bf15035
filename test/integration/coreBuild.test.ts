import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildImage, BuildError, type BuildEvent, type CoreBuildOptions } from '../../src/core/build/buildImage';
import type { ImageConfigFile } from '../../src/core/build/buildConfig';
import { readTar } from '../../src/core/layers/tarReader';
import { applyLayer, imageLayers } from '../../src/core/run/rootfs';
import { saveImages } from '../../src/core/store/archiveSave';
import type { ImageManifest } from '../../src/core/store/descriptor';
import { ImageStore } from '../../src/core/store/imageStore';
import { coreBaseMissing, loadBaseImage } from '../support/coreRuntime';
import { baseImage, docker, skipUnlessAvailable, uniqueName } from '../support/services';
import { tempHome } from '../support/storeImages';

/** A Dockerfile the legacy builder of the test daemon also builds (no BuildKit-only syntax). */
const COMPARED = `ARG BASE=${baseImage()}
FROM \${BASE} AS build
ARG GREETING=hi
ENV APP=/app NAME="my app"
WORKDIR $APP
COPY . src/
COPY a.txt /bin/a
RUN echo "$GREETING \${NAME:-x}" > out.txt && rm /bin/a && mkdir -p /var/lib/x && ln -s /app/out.txt /var/lib/x/link && rm -rf /home && chmod 600 out.txt && echo 'bob:x:1234:1234::/tmp:/bin/sh' >> /etc/passwd && chown bob /var/lib/x
USER bob
RUN echo mine > /var/lib/x/bob.txt
FROM ${baseImage()}
LABEL org.test=1 two="x y"
EXPOSE 80 53/udp
WORKDIR /srv
COPY --from=build --chown=1000:1000 /app /srv/app
COPY --from=build /var/lib/x /var/lib/x
VOLUME /data
STOPSIGNAL SIGINT
ENTRYPOINT ["cat"]
CMD ["/srv/app/out.txt"]
`;

function write(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
}

/** `docker create` + `docker export` of an image: path → type, mode, owner, size, link and content digest. */
async function exportedListing(image: string, dir: string): Promise<Map<string, string>> {
  const id = docker('create', image);
  const file = path.join(dir, `${id}.tar`);
  try {
    docker('export', '-o', file, id);
  } finally {
    docker('rm', id);
  }
  const out = new Map<string, string>();
  for await (const e of readTar(createReadStream(file))) {
    const hash = createHash('sha256');
    for await (const chunk of e.body) hash.update(chunk);
    out.set(e.path, `${e.type} ${e.mode.toString(8)} ${e.uid}:${e.gid} ${e.size} ${e.linkName} ${hash.digest('hex')}`);
  }
  fs.rmSync(file);
  return out;
}

function blobCount(store: ImageStore): number {
  return fs.readdirSync(store.blobsDir).length;
}

/** The image's files, its layers applied in a fresh directory. */
async function unpack(store: ImageStore, manifest: string, dir: string): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  for (const layer of await imageLayers(store, manifest)) await applyLayer(dir, store.readBlob(layer.blob.digest));
  return dir;
}

async function configOf(store: ImageStore, manifestDigest: string): Promise<ImageConfigFile> {
  const manifest = await store.readJson<ImageManifest>(manifestDigest);
  return store.readJson<ImageConfigFile>(manifest.config.digest);
}

describe('core builder against the real filesystem and the test daemon', { skip: skipUnlessAvailable(coreBaseMissing()) }, () => {
  const { home, cleanup } = tempHome('stevedore-build-');
  const tags: string[] = [];
  let store: ImageStore;
  const build = (contextDir: string, extra: Partial<CoreBuildOptions> = {}, events: BuildEvent[] = []) =>
    buildImage(store, { contextDir, onEvent: (e) => events.push(e), ...extra });

  before(async () => {
    store = await ImageStore.open(home);
    await loadBaseImage(store);
  });
  after(() => {
    for (const tag of tags) {
      try {
        docker('rmi', '-f', tag);
      } catch {
        // already gone
      }
    }
    cleanup();
  });

  test('builds the same files and config as docker build, and the image runs in Docker', async () => {
    const ctx = path.join(home, 'compared');
    write(ctx, {
      'Dockerfile': COMPARED, 'a.txt': 'hello\n', 'sub/b.txt': 'world\n', 'skip.log': 'secret\n', 'sub/x.tmp': 't', 'keep.tmp': 'k', 'sub/deep/d.txt': 'd',
      'docs/a.md': 'a', 'docs/b.md': 'b', 'bin/tool': '#!/bin/sh\n',
      '.dockerignore': '# patterns as moby/patternmatcher\n*.log\n**/*.tmp\n!keep.tmp\n/sub/deep/\ndocs\n!docs/b.md\n',
    });
    fs.chmodSync(path.join(ctx, 'bin/tool'), 0o755);
    fs.symlinkSync('bin/tool', path.join(ctx, 'tool-link'));
    const coreTag = `${uniqueName('core-built')}:1`;
    const dockerTag = `${uniqueName('docker-built')}:1`;
    tags.push(coreTag, dockerTag);
    execFileSync('docker', ['build', '-q', '-t', dockerTag, ctx], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, stdio: 'pipe', timeout: 180_000 });
    await build(ctx, { tags: [coreTag] });
    const archive = path.join(home, 'core.tar');
    await saveImages(store, [coreTag], archive);
    docker('load', '-i', archive);

    const core = await exportedListing(coreTag, home);
    const daemon = await exportedListing(dockerTag, home);
    const differences = [...new Set([...core.keys(), ...daemon.keys()])].filter((p) => core.get(p) !== daemon.get(p)).map((p) => `${p}: core ${core.get(p)} / docker ${daemon.get(p)}`);
    assert.deepEqual(differences, []);
    assert.ok(core.has('app/src/sub/b.txt') === false && core.has('srv/app/src/sub/b.txt'), 'the context was copied');
    assert.ok(!core.has('srv/app/src/skip.log'), '.dockerignore left skip.log out');
    assert.deepEqual(['srv/app/src/keep.tmp', 'srv/app/src/sub/x.tmp', 'srv/app/src/sub/deep', 'srv/app/src/docs/a.md', 'srv/app/src/docs/b.md'].map((p) => core.has(p)), [true, false, false, false, true]);

    const inspect = (tag: string) => (JSON.parse(docker('inspect', tag)) as { Config: Record<string, unknown> }[])[0].Config;
    const a = inspect(coreTag);
    const b = inspect(dockerTag);
    for (const key of ['Env', 'Cmd', 'Entrypoint', 'WorkingDir', 'User', 'ExposedPorts', 'Labels', 'Volumes', 'StopSignal']) {
      assert.deepEqual(a[key], b[key], key);
    }
    assert.equal(docker('run', '--rm', coreTag), 'hi my app');
  });

  test('an unchanged rebuild reuses every step and writes no blob; a changed file rebuilds from its COPY on', async () => {
    const ctx = path.join(home, 'compared');
    const first = await build(ctx, { tags: ['rebuild:1'] });
    const blobs = blobCount(store);
    const events: BuildEvent[] = [];
    const again = await build(ctx, { tags: ['rebuild:1'] }, events);
    assert.equal(again.imageId, first.imageId);
    assert.equal(blobCount(store), blobs, 'no new blob');
    const cacheable = events.filter((e) => e.kind === 'step' && !/^(FROM|ARG) /.test(e.instruction)).length;
    assert.equal(events.filter((e) => e.kind === 'cached').length, cacheable, 'every step but FROM and ARG came from the cache');
    assert.ok(!events.some((e) => e.kind === 'output'), 'nothing ran');

    fs.writeFileSync(path.join(ctx, 'sub/b.txt'), 'changed\n');
    const changedEvents: BuildEvent[] = [];
    const changed = await build(ctx, { tags: ['rebuild:1'] }, changedEvents);
    assert.notEqual(changed.imageId, first.imageId);
    const copyStep = changedEvents.find((e) => e.kind === 'step' && e.instruction === 'COPY . src/') as { step: number };
    assert.ok(!changedEvents.some((e) => e.kind === 'cached' && e.step === copyStep.step), 'the COPY of the changed context ran again');
    assert.ok(changedEvents.some((e) => e.kind === 'cached' && e.step === copyStep.step - 1), 'the step before it was cached');

    const noCache: BuildEvent[] = [];
    await build(ctx, { noCache: true }, noCache);
    assert.ok(!noCache.some((e) => e.kind === 'cached'), '--no-cache uses no cached step');
  });

  test('history names each instruction; metadata steps are empty layers; layers are gzip with matching diffIDs', async () => {
    const ctx = path.join(home, 'compared');
    const result = await build(ctx, { tags: ['history:1'] });
    const config = await configOf(store, result.manifest.digest);
    const mine = config.history!.slice(-9);
    assert.deepEqual(mine.map((h) => h.created_by), [
      'LABEL org.test=1 two=x y', 'EXPOSE map[80/tcp:{} 53/udp:{}]', 'WORKDIR /srv', 'COPY --from=build --chown=1000:1000 /app /srv/app # buildkit',
      'COPY --from=build /var/lib/x /var/lib/x # buildkit', 'VOLUME [/data]', 'STOPSIGNAL SIGINT', 'ENTRYPOINT ["cat"]', 'CMD ["/srv/app/out.txt"]',
    ]);
    const withLayer = config.history!.filter((h) => !h.empty_layer).length;
    assert.equal(withLayer, config.rootfs.diff_ids.length);
    assert.ok(mine.find((h) => h.created_by === 'LABEL org.test=1 two=x y')?.empty_layer);
    const manifest = await store.readJson<ImageManifest>(result.manifest.digest);
    const last = manifest.layers.at(-1)!;
    assert.equal(last.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
    const tar = execFileSync('gzip', ['-dc', store.blobPath(last.digest)]);
    assert.equal(`sha256:${createHash('sha256').update(tar).digest('hex')}`, config.rootfs.diff_ids.at(-1));
  });

  test('COPY and ADD: heredocs, --chmod, wildcards, local archives unpacked, URLs fetched, ONBUILD, --target and build args', async () => {
    const ctx = path.join(home, 'features');
    write(ctx, { 'one.txt': '1\n', 'two.txt': '2\n', 'three.md': '3\n', 'payload/inner.txt': 'inside\n' });
    execFileSync('tar', ['-czf', path.join(ctx, 'bundle.tar.gz'), '-C', path.join(ctx, 'payload'), '.']);
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'Last-Modified': 'Wed, 01 Jan 2020 00:00:00 GMT' });
      res.end(`served ${req.url}\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      write(ctx, {
        Dockerfile: `FROM ${baseImage()} AS parent
ONBUILD RUN echo triggered > /onbuild.txt
FROM parent AS app
ARG WHO=nobody
ARG TARGETARCH
COPY <<EOF /etc/greeting
hello $WHO
EOF
COPY --chmod=751 *.txt /txt/
ADD bundle.tar.gz /unpacked/
ADD http://127.0.0.1:${port}/file.txt /downloaded/
RUN <<EOF
echo "arch=$TARGETARCH who=$WHO" > /run.txt
EOF
ADD --checksum=sha256:${createHash('sha256').update('served /sum.txt\n').digest('hex')} http://127.0.0.1:${port}/sum.txt /checked/
RUN <<EOT
#!/bin/sh -e
echo "script $0" > /script.txt
EOT
FROM app AS never-built
RUN exit 3
`,
      });
      const result = await build(ctx, { target: 'app', buildArgs: { WHO: 'world' }, tags: ['features:1'] });
      const root = await unpack(store, result.manifest.digest, path.join(home, 'features-root'));
      const read = (p: string) => fs.readFileSync(path.join(root, p), 'utf8');
      assert.equal(read('etc/greeting'), 'hello world\n');
      assert.equal(read('txt/one.txt'), '1\n');
      assert.equal(fs.statSync(path.join(root, 'txt/two.txt')).mode & 0o7777, 0o751);
      assert.ok(!fs.existsSync(path.join(root, 'txt/three.md')));
      assert.equal(read('unpacked/inner.txt'), 'inside\n');
      assert.equal(read('downloaded/file.txt'), 'served /file.txt\n');
      assert.equal(fs.statSync(path.join(root, 'downloaded/file.txt')).mode & 0o7777, 0o600);
      assert.equal(fs.statSync(path.join(root, 'downloaded/file.txt')).mtime.toISOString(), '2020-01-01T00:00:00.000Z');
      assert.equal(read('onbuild.txt'), 'triggered\n');
      assert.match(read('run.txt'), /^arch=(amd64|arm64|[a-z0-9]+) who=world\n$/);
      assert.equal(read('checked/sum.txt'), 'served /sum.txt\n');
      assert.match(read('script.txt'), /^script \/\S+\n$/, 'a heredoc with #! runs as a script');
      assert.ok(!fs.readdirSync(root).some((n) => n.startsWith('.stevedore-heredoc')), 'the script is not left in the image');
      const config = await configOf(store, result.manifest.digest);
      assert.equal(config.config.OnBuild ?? undefined, undefined, 'the triggers ran and are not passed on');
      write(ctx, { Dockerfile: `FROM ${baseImage()}\nADD --checksum=sha256:${'0'.repeat(64)} http://127.0.0.1:${port}/sum.txt /x\n` });
      await assert.rejects(build(ctx), (err: BuildError) => err.line === 2 && /digest mismatch/.test(err.message));
    } finally {
      server.close();
    }
  });

  test('a Dockerfile error names its line; a failing RUN gives its exit code and output; nothing is tagged', async () => {
    const ctx = path.join(home, 'errors');
    write(ctx, { Dockerfile: `FROM ${baseImage()}\nRUN echo first\nEXPOSE not-a-port\n` });
    await assert.rejects(build(ctx, { tags: ['broken:1'] }), (err: BuildError) => err instanceof BuildError && err.line === 3 && /invalid containerPort: not-a-port/.test(err.message));
    write(ctx, { Dockerfile: `FROM ${baseImage()}\n\nRUN echo about to fail && echo on stderr >&2 && exit 7\n` });
    await assert.rejects(build(ctx, { tags: ['broken:1'] }), (err: BuildError) => err.line === 3 && err.exitCode === 7 && /exit code: 7/.test(err.message) && /about to fail/.test(err.message) && /on stderr/.test(err.message));
    write(ctx, { Dockerfile: `FROM ${baseImage()}\nCOPY missing.txt /\n` });
    await assert.rejects(build(ctx, { tags: ['broken:1'] }), (err: BuildError) => err.line === 2 && /missing.txt: not found/.test(err.message));
    write(ctx, { Dockerfile: `FROM ${baseImage()}\nRUN true\n`, '.dockerignore': 'Dockerfile\n' });
    assert.equal(await store.resolve('broken:1'), undefined, 'no failed build was tagged');
    await assert.rejects(build(ctx, { target: 'nope' }), /target stage "nope" could not be found/);
    assert.deepEqual(fs.readdirSync(path.join(home, 'build')), [], 'the build workspace is removed');
    const stale = path.join(home, 'build', `${Date.now() - 2 * 86_400_000}-dead`);
    fs.mkdirSync(path.join(stale, 'stage0'), { recursive: true });
    await build(ctx);
    assert.ok(!fs.existsSync(stale), 'a killed build\'s workspace from days ago is cleaned up');
  });

  test('--platform: FROM scratch builds for another architecture with TARGETARCH; RUN there is refused', async () => {
    const ctx = path.join(home, 'platform');
    const other = process.arch === 'arm64' ? 'amd64' : 'arm64';
    write(ctx, { 'f.txt': 'x\n', Dockerfile: 'FROM scratch\nARG TARGETARCH\nARG TARGETPLATFORM\nENV ARCH=$TARGETARCH PLATFORM=$TARGETPLATFORM\nCOPY f.txt /\n' });
    const result = await build(ctx, { platform: `linux/${other}` });
    const config = await configOf(store, result.manifest.digest);
    assert.equal(config.architecture, other);
    assert.ok(config.config.Env?.includes(`ARCH=${other}`) && config.config.Env.includes(`PLATFORM=linux/${other}`), JSON.stringify(config.config.Env));
    write(ctx, { Dockerfile: 'FROM scratch\nCOPY f.txt /\nRUN true\n' });
    await assert.rejects(build(ctx, { platform: `linux/${other}` }), (err: BuildError) => err.line === 3 && /no emulation/.test(err.message));
  });

  test('stevedore build --engine core: tags, build args, step output, and a failing build exits 1 with the line', () => {
    const ctx = path.join(home, 'cli');
    write(ctx, { Dockerfile: `FROM ${baseImage()}\nARG WHAT=nothing\nRUN echo "built $WHAT" > /what.txt\nCMD ["cat", "/what.txt"]\n` });
    const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '../../src/cli.ts'), ...args], { env: { ...process.env, STEVEDORE_HOME: home }, encoding: 'utf8', timeout: 120_000 });
    const ok = cli('build', '-t', 'cli-built:1', '--tag', 'cli-built:2', '--build-arg', 'WHAT=something', ctx, '--engine', 'core');
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /Step 3\/4 : RUN echo "built \$WHAT" > \/what.txt/);
    assert.match(ok.stdout, /Successfully tagged cli-built:1\nSuccessfully tagged cli-built:2/);
    const images = cli('images', '--engine', 'core', '--json');
    assert.match(images.stdout, /cli-built/);
    write(ctx, { Dockerfile: `FROM ${baseImage()}\nRUN exit 4\n` });
    const failed = cli('build', '-t', 'cli-failed:1', ctx, '--engine', 'core');
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /Dockerfile:2: process "\/bin\/sh -c exit 4" did not complete successfully: exit code: 4/);
    const daemon = cli('build', ctx, '--engine', 'daemon');
    assert.equal(daemon.status, 2);
    assert.match(daemon.stderr, /add --engine core/);
  });
});
