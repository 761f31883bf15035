// Build benchmark: the 12-instruction, 2-stage Dockerfile of /work/shared/workloads/c-Dockerfile
// (RUNs, ENV, WORKDIR, a COPY of the ~21 MB context from `gen-data.py ctx`, COPY --from) built
// cold (no cache) and warm (unchanged rebuild) by `stevedore build --engine core` (dist/cli.js, a
// child process), by the test daemon's `docker build` (the legacy builder: this docker.io has no
// buildx), and by `buildah bud --layers` (overlay storage in a private root) when buildah is
// installed — in the same run, alternating who goes first. Prints medians of wall time; never fails.
//   npm run bench:build            (STEVEDORE_BENCH_RUNS=3 by default; about 3 minutes)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const WORKLOADS = process.env.STEVEDORE_WORKLOADS ?? '/work/shared/workloads';
const RUNS = Number(process.env.STEVEDORE_BENCH_RUNS ?? 3);

function servicesEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  const file = '/tmp/stevedore-services/env';
  if (fs.existsSync(file)) {
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
      if (m && env[m[1]] === undefined) env[m[1]] = m[2];
    }
  }
  return env;
}

const ENV = servicesEnv();
const BASE = ENV.STEVEDORE_TEST_BASE_IMAGE ?? 'busybox:local';

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = ENV): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${(r.stderr || r.stdout).slice(-800)}`);
  return seconds;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Contender {
  readonly name: string;
  prepare(): void;
  cold(): number;
  warm(): number;
  cleanup(): void;
}

function core(work: string, ctx: string, baseTar: string): Contender {
  let home = '';
  let n = 0;
  const env = () => ({ ...ENV, STEVEDORE_HOME: home });
  const build = (extra: string[] = []) => run(process.execPath, [CLI, 'build', '-q', '-t', 'bench-core:1', ...extra, ctx, '--engine', 'core'], env());
  return {
    name: 'stevedore core',
    prepare() {
      home = path.join(work, `core-home-${n++}`);
      run(process.execPath, [CLI, 'load', '-i', baseTar, '--engine', 'core'], env());
    },
    cold: () => build(),
    warm: () => build(),
    cleanup() {
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

function dockerLegacy(ctx: string): Contender {
  const env = { ...ENV, DOCKER_BUILDKIT: '0' };
  return {
    name: 'docker build (legacy builder)',
    prepare() {
      spawnSync('docker', ['rmi', '-f', 'bench-docker:1'], { env });
    },
    cold: () => run('docker', ['build', '-q', '--no-cache', '-t', 'bench-docker:1', ctx], env),
    warm: () => run('docker', ['build', '-q', '-t', 'bench-docker:1', ctx], env),
    cleanup() {
      spawnSync('docker', ['rmi', '-f', 'bench-docker:1'], { env });
    },
  };
}

function buildah(work: string, ctx: string, baseTar: string): Contender | undefined {
  if (spawnSync('buildah', ['--version']).status !== 0) return undefined;
  let dirs: string[] = [];
  let n = 0;
  const b = (args: string[]) => run('buildah', ['--root', dirs[0], '--runroot', dirs[1], '--storage-driver', 'overlay', ...args]);
  return {
    name: 'buildah bud --layers',
    prepare() {
      dirs = [path.join(work, `buildah-root-${n}`), path.join(work, `buildah-run-${n++}`)];
      b(['pull', '-q', `docker-archive:${baseTar}`]);
      const id = spawnSync('buildah', ['--root', dirs[0], '--runroot', dirs[1], '--storage-driver', 'overlay', 'images', '-q'], { encoding: 'utf8' }).stdout.trim().split('\n')[0];
      b(['tag', id, BASE]);
    },
    cold: () => b(['bud', '-q', '--layers', '--isolation', 'chroot', '-t', 'bench-buildah:1', ctx]),
    warm: () => b(['bud', '-q', '--layers', '--isolation', 'chroot', '-t', 'bench-buildah:1', ctx]),
    cleanup() {
      spawnSync('buildah', ['--root', dirs[0], '--runroot', dirs[1], '--storage-driver', 'overlay', 'rmi', '-af']);
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    },
  };
}

function main(): void {
  if (!fs.existsSync(CLI)) throw new Error('dist/cli.js is missing: run node esbuild.js first (npm run bench:build does)');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-build-bench-'));
  try {
    const ctx = path.join(work, 'ctx');
    spawnSync('python3', [path.join(WORKLOADS, 'gen-data.py'), 'ctx', ctx], { stdio: 'ignore' });
    fs.copyFileSync(path.join(WORKLOADS, 'c-Dockerfile'), path.join(ctx, 'Dockerfile'));
    const baseTar = path.join(work, 'base.tar');
    run('docker', ['save', '-o', baseTar, BASE]);
    const contenders = [core(work, ctx, baseTar), dockerLegacy(ctx), buildah(work, ctx, baseTar)].filter((c): c is Contender => !!c);
    const times = new Map(contenders.map((c) => [c.name, { cold: [] as number[], warm: [] as number[] }]));
    for (let i = 0; i < RUNS; i++) {
      const order = i % 2 ? [...contenders].reverse() : contenders;
      for (const c of order) {
        c.prepare();
        try {
          times.get(c.name)!.cold.push(c.cold());
          times.get(c.name)!.warm.push(c.warm());
        } finally {
          c.cleanup();
        }
      }
    }
    console.log(`build bench: c-Dockerfile (12 instructions, 2 stages, ${BASE}), medians of ${RUNS} runs on ${os.cpus().length} CPUs`);
    console.log(`${'builder'.padEnd(32)} ${'cold s'.padStart(8)} ${'warm s'.padStart(8)}`);
    for (const [name, t] of times) console.log(`${name.padEnd(32)} ${median(t.cold).toFixed(2).padStart(8)} ${median(t.warm).toFixed(2).padStart(8)}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main();
