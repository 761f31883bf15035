// Registry benchmark: push and pull of a 5-layer, ~300 MB image (100/80/60/40/20 MB of seeded
// pseudo-random, incompressible bytes, gzip layers) to and from the plain local registry, by the
// stevedore CLI with the core store (`push|pull --engine core`, a child process each) and by
// `skopeo copy` between an OCI layout and the registry, in the same run, alternating who goes first.
// Every run pushes new content (its own seed, from STEVEDORE_BENCH_SEED or the clock, printed), so
// neither side can mount blobs it saw before (skopeo's blob-info cache remembers earlier pushes).
// Prints medians of wall time and peak RSS (GNU time); it never fails.
//   npm run bench:registry          (STEVEDORE_BENCH_RUNS=3 by default; about 1 minute)
// The registry is STEVEDORE_TEST_REGISTRY (from /tmp/stevedore-services/env when not set).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createGzip } from 'node:zlib';
import { ImageStore } from '../../src/core/store/imageStore';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const RUNS = Number(process.env.STEVEDORE_BENCH_RUNS ?? 3);
const LAYER_MB = [100, 80, 60, 40, 20];
const SEED = Number(process.env.STEVEDORE_BENCH_SEED ?? Date.now() % 1_000_000);

function registry(): string {
  if (process.env.STEVEDORE_TEST_REGISTRY) return process.env.STEVEDORE_TEST_REGISTRY;
  const env = fs.readFileSync('/tmp/stevedore-services/env', 'utf8');
  const found = /^STEVEDORE_TEST_REGISTRY=(.+)$/m.exec(env)?.[1];
  if (!found) throw new Error('no STEVEDORE_TEST_REGISTRY: start the test services');
  return found;
}

/** xorshift128 over 32-bit words: the same bytes for the same seed, ~1 GB/s. */
function* pseudoRandom(size: number, seed: number, chunk = 1 << 20): Generator<Buffer> {
  let a = seed | 1, b = 0x9e3779b9, c = 0x243f6a88, d = 0xb7e15162;
  for (let done = 0; done < size; done += chunk) {
    const n = Math.min(chunk, size - done);
    const words = new Uint32Array(Math.ceil(n / 4));
    for (let i = 0; i < words.length; i++) {
      const t = a ^ (a << 11);
      a = b; b = c; c = d;
      d = (d ^ (d >>> 19) ^ t ^ (t >>> 8)) >>> 0;
      words[i] = d;
    }
    yield Buffer.from(words.buffer, 0, n);
  }
}

/** A ustar header for one regular file. */
function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  const put = (text: string, at: number, len: number) => h.write(text.slice(0, len), at, 'ascii');
  const octal = (n: number, len: number) => n.toString(8).padStart(len - 1, '0');
  put(name, 0, 100); put(octal(0o644, 8), 100, 8); put(octal(0, 8), 108, 8); put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12); put(octal(1_700_000_000, 12), 136, 12); h.fill(0x20, 148, 156);
  put('0', 156, 1); put('ustar\x0000', 257, 8);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(`${octal(sum, 7)}\0`, 148, 8);
  return h;
}

/** One layer: a tar of one random file, gzip-compressed; its digest, size and diff id. */
async function writeLayer(store: ImageStore, mb: number, seed: number): Promise<{ digest: string; size: number; diffId: string }> {
  const size = mb << 20;
  const diff = createHash('sha256');
  const gzip = createGzip({ level: 1 });
  const feed = (async () => {
    const parts = [tarHeader(`layer-${seed}.bin`, size), ...pseudoRandom(size, seed), Buffer.alloc(512 - (size % 512 || 512)), Buffer.alloc(1024)];
    for (const part of parts) {
      diff.update(part);
      if (!gzip.write(part)) await new Promise((ok) => gzip.once('drain', ok));
    }
    gzip.end();
  })();
  const written = await store.writeBlob(gzip);
  await feed;
  return { ...written, diffId: `sha256:${diff.digest('hex')}` };
}

interface Source { store: string; ociDir: string; ref: string }

/** The image in a core store (tagged `ref`) and the same blobs hard-linked into an OCI layout for skopeo. */
async function makeImage(dir: string, ref: string, seed: number): Promise<Source> {
  const home = path.join(dir, 'home');
  const store = await ImageStore.open(home);
  const layers = [];
  for (const [i, mb] of LAYER_MB.entries()) layers.push(await writeLayer(store, mb, seed * 10 + i));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', created: '2026-01-01T00:00:00Z', config: {}, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } }));
  const c = await store.writeBlob(config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: c.digest, size: c.size },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
  }));
  const m = await store.writeBlob(manifest);
  const descriptor = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: m.digest, size: m.size };
  await store.tag(ref, descriptor);
  const ociDir = path.join(dir, 'oci');
  fs.mkdirSync(path.join(ociDir, 'blobs/sha256'), { recursive: true });
  for (const d of [c.digest, m.digest, ...layers.map((l) => l.digest)]) fs.linkSync(store.blobPath(d), path.join(ociDir, 'blobs/sha256', d.slice(7)));
  fs.writeFileSync(path.join(ociDir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(path.join(ociDir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ ...descriptor, annotations: { 'org.opencontainers.image.ref.name': 'bench' } }] }));
  return { store: home, ociDir, ref };
}

interface Timed { seconds: number; rssMb: number }

/** Runs a command under GNU time: wall seconds and peak RSS. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Timed {
  const r = spawnSync('/usr/bin/time', ['-f', '@@ %e %M', cmd, ...args], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const m = /@@ ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  return { seconds: Number(m[1]), rssMb: Number(m[2]) / 1024 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run node esbuild.js`);
  const host = registry();
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  const results: Record<string, Timed[]> = { 'core push': [], 'skopeo push': [], 'core pull': [], 'skopeo pull': [] };
  const coreEnv = (home: string) => ({ ...process.env, STEVEDORE_HOME: home });
  console.log(`registry bench: ${LAYER_MB.length} layers, ${LAYER_MB.reduce((a, b) => a + b)} MB, ${host}, ${RUNS} runs, seed ${SEED}`);
  for (let run = 0; run < RUNS; run++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-registry-bench-'));
    try {
      const coreRef = `${host}/bench-${tag}/core-${run}:1`;
      const skopeoRef = `${host}/bench-${tag}/skopeo-${run}:1`;
      const source = await makeImage(dir, coreRef, SEED + run);
      // Same content for both: the core pushes from its store, skopeo from the hard-linked layout, each to its own repository.
      const pushCore = () => results['core push'].push(timed(process.execPath, [CLI, 'push', '--engine', 'core', coreRef], coreEnv(source.store)));
      const pushSkopeo = () => results['skopeo push'].push(timed('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${source.ociDir}:bench`, `docker://${skopeoRef}`]));
      const pullCore = () => results['core pull'].push(timed(process.execPath, [CLI, 'pull', '--engine', 'core', coreRef], coreEnv(path.join(dir, 'pulled-home'))));
      const pullSkopeo = () => results['skopeo pull'].push(timed('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${coreRef}`, `oci:${path.join(dir, 'pulled-oci')}:bench`]));
      if (run % 2 === 0) { pushCore(); pushSkopeo(); pullCore(); pullSkopeo(); } else { pushSkopeo(); pushCore(); pullSkopeo(); pullCore(); }
      const pulled = await (await ImageStore.open(path.join(dir, 'pulled-home'))).resolve(coreRef);
      if (!pulled) throw new Error('the core pull did not tag the image');
      console.log(`run ${run + 1}: ${Object.entries(results).map(([k, v]) => `${k} ${v.at(-1)!.seconds.toFixed(2)} s`).join(', ')}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log('\n| operation | stevedore (core) | skopeo copy | ratio | stevedore peak RSS | skopeo peak RSS |\n|---|---|---|---|---|---|');
  for (const op of ['push', 'pull']) {
    const core = results[`core ${op}`];
    const skopeo = results[`skopeo ${op}`];
    const [tc, ts] = [median(core.map((r) => r.seconds)), median(skopeo.map((r) => r.seconds))];
    console.log(`| ${op} | ${tc.toFixed(2)} s | ${ts.toFixed(2)} s | ${(tc / ts).toFixed(2)} | ${Math.round(Math.max(...core.map((r) => r.rssMb)))} MB | ${Math.round(Math.max(...skopeo.map((r) => r.rssMb)))} MB |`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
