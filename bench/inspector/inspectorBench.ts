// Layer inspector benchmark: the workloads' 8-layer, 1 GB, 200,000-file image (gen-data.py
// layers), uncompressed (the docker save archive) and gzip-compressed (an OCI archive of the same
// layers). Prints, in one run, the inspector's time to the layer list and to the complete index
// with content hashes, and its peak memory; the same on a warm cache; and the peers over the same
// layers: tar -tzf, tar -tf, Node's zlib inflating, node-tar listing. Then, when code-server and
// Chromium are here, the time to the painted layer list and complete index in the real webview.
// It prints figures; it never fails.
//   npm run bench:inspector      (about 2 minutes after the first preparation of ~1 minute)
// STEVEDORE_BENCH_DIR (default /tmp/stevedore-inspector-bench) holds the 3 GB of inputs; delete it after.
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { measureWebview } from './webviewPaint';

const ROOT = path.resolve(__dirname, '../..');
const WORKLOADS = process.env.STEVEDORE_WORKLOADS ?? path.resolve(ROOT, '../shared/workloads');
const DIR = process.env.STEVEDORE_BENCH_DIR ?? path.join(os.tmpdir(), 'stevedore-inspector-bench');
const RUNS = Number(process.env.STEVEDORE_BENCH_RUNS ?? 3);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (x: number) => `${Math.round(x)} MB`;

interface Workload {
  readonly plainArchive: string;
  readonly gzipArchive: string;
  readonly plainLayers: string[];
  readonly gzipLayers: string[];
}

function sha256File(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buffer = Buffer.alloc(1 << 20);
  try {
    for (let n; (n = fs.readSync(fd, buffer)) > 0;) hash.update(buffer.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** The docker save archive from gen-data.py, its layers unpacked and gzipped, and an OCI archive of the gzipped ones. */
function prepare(): Workload {
  const plainArchive = path.join(DIR, 'layers', 'image.tar');
  if (!fs.existsSync(plainArchive)) {
    console.log(`# generating the workload into ${DIR} (gen-data.py layers)…`);
    execFileSync('python3', [path.join(WORKLOADS, 'gen-data.py'), 'layers', path.join(DIR, 'layers')], { stdio: 'inherit' });
  }
  const plainDir = path.join(DIR, 'plain');
  const manifest = JSON.parse(execFileSync('tar', ['-xOf', plainArchive, 'manifest.json'], { encoding: 'utf8' })) as { Config: string; Layers: string[] }[];
  const plainLayers = manifest[0].Layers.map((l) => path.join(plainDir, l));
  if (!plainLayers.every((f) => fs.existsSync(f))) {
    fs.mkdirSync(plainDir, { recursive: true });
    execFileSync('tar', ['-xf', plainArchive, '-C', plainDir]);
  }
  const gzipLayers = plainLayers.map((f) => `${f}.gz`);
  if (!gzipLayers.every((f) => fs.existsSync(f))) {
    console.log('# compressing the layers (gzip -6)…');
    execFileSync('sh', ['-c', `printf '%s\\n' ${plainLayers.map((f) => `'${f}'`).join(' ')} | xargs -P 2 -I{} sh -c 'gzip -6 -n -c "{}" > "{}.gz.tmp" && mv "{}.gz.tmp" "{}.gz"'`]);
  }
  const gzipArchive = path.join(DIR, 'image-gzip.tar');
  if (!fs.existsSync(gzipArchive)) {
    const oci = path.join(DIR, 'oci');
    fs.rmSync(oci, { recursive: true, force: true });
    fs.mkdirSync(path.join(oci, 'blobs', 'sha256'), { recursive: true });
    const blob = (data: Buffer) => {
      const digest = crypto.createHash('sha256').update(data).digest('hex');
      fs.writeFileSync(path.join(oci, 'blobs', 'sha256', digest), data);
      return { digest: `sha256:${digest}`, size: data.length };
    };
    const config = blob(fs.readFileSync(path.join(plainDir, manifest[0].Config)));
    const layers = gzipLayers.map((f) => {
      const digest = sha256File(f);
      fs.linkSync(f, path.join(oci, 'blobs', 'sha256', digest));
      return { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${digest}`, size: fs.statSync(f).size };
    });
    const ociManifest = blob(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers })));
    fs.writeFileSync(path.join(oci, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...ociManifest, annotations: { 'org.opencontainers.image.ref.name': 'pb/layers:gzip' } }] }));
    fs.writeFileSync(path.join(oci, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    execFileSync('tar', ['-cf', `${gzipArchive}.tmp`, '-C', oci, 'oci-layout', 'index.json', 'blobs']);
    fs.renameSync(`${gzipArchive}.tmp`, gzipArchive);
    fs.rmSync(oci, { recursive: true, force: true });
  }
  return { plainArchive, gzipArchive, plainLayers, gzipLayers };
}

/** The inspection runner and the layer worker, bundled side by side as in dist/. */
async function buildRunner(): Promise<string> {
  const out = path.join(DIR, 'runner');
  const common: esbuild.BuildOptions = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' };
  await esbuild.build({ ...common, entryPoints: [path.join(__dirname, 'inspectRun.ts')], outfile: path.join(out, 'inspectRun.js') });
  await esbuild.build({ ...common, entryPoints: [path.join(ROOT, 'src/core/layers/layerWorker.ts')], outfile: path.join(out, 'layerWorker.js') });
  return path.join(out, 'inspectRun.js');
}

interface RunResult {
  describedMs: number;
  firstLayerMs: number;
  indexedMs: number;
  analyzedMs: number;
  cpuMs: number;
  peakRssMB: number;
  entries: number;
  errors: number;
  efficiency: number;
  wastedBytes: number;
}

function inspectOnce(runner: string, archive: string, cache: string): RunResult {
  const r = spawnSync(process.execPath, [runner, archive, cache], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`inspection of ${archive} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as RunResult;
}

/** A command's wall time and peak memory, from GNU time. */
function timed(command: string[]): { ms: number; peakRssMB: number; stdout: string } {
  const started = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', ...command], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`${command.join(' ')} failed: ${r.stderr}`);
  return { ms, peakRssMB: Number(r.stderr.trim().split('\n').pop()) / 1024, stdout: r.stdout };
}

function nodePeer(script: string, files: string[]): { ms: number; peakRssMB: number } {
  const r = spawnSync(process.execPath, [path.join(__dirname, script), ...files], { encoding: 'utf8', cwd: ROOT });
  if (r.status !== 0) throw new Error(`${script} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { ms: number; peakRssMB: number };
}

async function main(): Promise<void> {
  fs.mkdirSync(DIR, { recursive: true });
  const workload = prepare();
  const runner = await buildRunner();
  const load = os.loadavg()[0].toFixed(2);
  console.log(`\n# layer inspector benchmark: ${os.cpus().length} × ${os.cpus()[0].model}, Node ${process.version}, load average ${load} at start, ${RUNS} runs (median)`);
  const plainBytes = workload.plainLayers.reduce((n, f) => n + fs.statSync(f).size, 0);
  const gzipBytes = workload.gzipLayers.reduce((n, f) => n + fs.statSync(f).size, 0);
  console.log(`# ${workload.plainLayers.length} layers: ${mb(plainBytes / 1e6)} uncompressed, ${mb(gzipBytes / 1e6)} gzip`);

  const rows: string[][] = [];
  for (const [label, archive] of [['uncompressed (docker save)', workload.plainArchive], ['gzip (OCI archive)', workload.gzipArchive]] as const) {
    const cold: RunResult[] = [];
    for (let i = 0; i < RUNS; i++) {
      const cache = fs.mkdtempSync(path.join(DIR, 'cache-'));
      try {
        cold.push(inspectOnce(runner, archive, cache));
        if (i === RUNS - 1) {
          const warm = inspectOnce(runner, archive, cache);
          rows.push([`Stevedore, ${label}, cached`, sec(warm.describedMs), sec(warm.indexedMs), sec(warm.analyzedMs), mb(warm.peakRssMB)]);
        }
      } finally {
        fs.rmSync(cache, { recursive: true, force: true });
      }
    }
    const first = cold[0];
    if (first.errors || first.entries !== 214_000) console.log(`# ${label}: ${first.entries} entries, ${first.errors} unreadable layers`);
    rows.splice(rows.length - 1, 0, [`Stevedore, ${label}`, sec(median(cold.map((r) => r.describedMs))), sec(median(cold.map((r) => r.indexedMs))), sec(median(cold.map((r) => r.analyzedMs))), mb(median(cold.map((r) => r.peakRssMB)))]);
    console.log(`# ${label}: index ${cold.map((r) => sec(r.indexedMs)).join(', ')}; CPU ${sec(median(cold.map((r) => r.cpuMs)))}; efficiency ${(first.efficiency * 100).toFixed(2)} %, wasted ${first.wastedBytes} bytes`);
  }

  const peer = (label: string, run: () => { ms: number; peakRssMB: number }) => {
    const results = Array.from({ length: RUNS }, run);
    rows.push([label, '', sec(median(results.map((r) => r.ms))), '', mb(median(results.map((r) => r.peakRssMB)))]);
  };
  peer('tar -tzf, gzip layers one after another', () => timed(['sh', '-c', `for f in ${workload.gzipLayers.map((f) => `'${f}'`).join(' ')}; do tar -tzf "$f" >/dev/null; done`]));
  peer('tar -tf, uncompressed layers', () => timed(['sh', '-c', `for f in ${workload.plainLayers.map((f) => `'${f}'`).join(' ')}; do tar -tf "$f" >/dev/null; done`]));
  peer("Node's zlib inflating the gzip layers one after another", () => nodePeer('zlibPeer.mjs', workload.gzipLayers));
  peer('node-tar listing the gzip layers', () => nodePeer('nodeTarPeer.mjs', workload.gzipLayers));

  const width = [0, 1, 2, 3, 4].map((c) => Math.max(...[['', 'layer list', 'complete index', '+ trees, score', 'peak memory'], ...rows].map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c ? cell.padStart(width[c]) : cell.padEnd(width[c]))).join('  ');
  console.log(`\n${line(['', 'layer list', 'complete index', '+ trees, score', 'peak memory'])}`);
  for (const r of rows) console.log(line(r));

  const webview = process.env.STEVEDORE_BENCH_WEBVIEW === "0" ? "STEVEDORE_BENCH_WEBVIEW=0" : await measureWebview([workload.plainArchive, workload.gzipArchive], DIR);
  if (typeof webview === 'string') console.log(`\n# the real webview was not measured: ${webview}`);
  else {
    console.log('\nIn VS Code (code-server + Chromium), from the Explorer\'s "Inspect Image Layers" to the webview painting:');
    webview.forEach((w, i) => console.log(`  ${path.basename(w.archive)}${i === 0 ? ' (a 1-file image: the session\'s first webview, VS Code starting its webview support)' : ''}: layer list ${w.layersMs} ms, complete index ${w.indexMs} ms`));
  }
}

void main();
