// Explorer benchmark: 1,000 containers (20 running) and 1,000 images in a real dockerd of its own.
// Prints, in one run: a full refresh of the Containers and Images views against the docker CLI and
// the raw API, the time from an event's arrival to the view's updated children, dockerd's CPU per
// event, and the engine requests made while nothing changes. It prints figures; it never fails.
//   npm run bench:explorer            (root; needs dockerd and python3; about 2 minutes)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DaemonEngine } from '../../src/engine/daemon/daemonEngine';
import { parseDockerHost } from '../../src/engine/daemon/endpoint';
import type { EngineEvent } from '../../src/engine/engine';
import { EngineConnection } from '../../src/engine/engineConnection';
import { engineCandidates } from '../../src/engine/engineSelection';
import { ContainerList } from '../../src/views/containerList';
import { groupContainers } from '../../src/views/containerGroups';
import { groupImages } from '../../src/views/imageGroups';
import { ImageList } from '../../src/views/imageList';
import { cpuMs, startBenchDaemon } from './benchDaemon';

const CONTAINERS = 1000;
const RUNNING = 20;
const IMAGES = 1000;
const ROUNDS = 15;
const EVENTS = 60;
const WORKLOADS = process.env.STEVEDORE_WORKLOADS ?? path.resolve(__dirname, '../../../shared/workloads');
const BASE = process.env.STEVEDORE_TEST_BASE_IMAGE ?? 'busybox:local';
const options = { filter: '', sort: 'name' as const };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** GET of an API path on a unix socket, the body read and parsed: the least any client does. */
function rawGet(socketPath: string, apiPath: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http.get({ socketPath, path: apiPath }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    }).on('error', reject);
  });
}

/** A unix-socket proxy that counts the HTTP requests going through it. */
async function countingProxy(target: string): Promise<{ socketPath: string; requests: () => number; close: () => void }> {
  const socketPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-bench-proxy-')), 'proxy.sock');
  let requests = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ path: target });
    sockets.add(client).add(upstream);
    client.on('data', (d: Buffer) => {
      requests += (d.toString('latin1').match(/^(GET|POST|HEAD|PUT|DELETE) \//gm) ?? []).length;
    });
    client.pipe(upstream).pipe(client);
    for (const s of [client, upstream]) s.on('error', () => s.destroy());
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
  return { socketPath, requests: () => requests, close: () => { for (const s of sockets) s.destroy(); server.close(); } };
}

async function main(): Promise<void> {
  console.log(`explorer benchmark: ${CONTAINERS} containers (${RUNNING} running), ${IMAGES} images, in a dockerd of its own`);
  const daemon = await startBenchDaemon();
  try {
    const setup = performance.now();
    const archive = path.join(os.tmpdir(), `stevedore-bench-images-${process.pid}.tar`);
    execFileSync('python3', [path.join(WORKLOADS, 'gen-images.py'), String(IMAGES), archive], { stdio: 'ignore' });
    execFileSync('bash', ['-c', `docker save ${BASE} | docker -H ${daemon.host} load -q && docker -H ${daemon.host} load -q -i ${archive}`], { stdio: 'ignore' });
    fs.rmSync(archive);
    const socketPath = daemon.host.slice('unix://'.length);
    const endpoint = parseDockerHost(daemon.host, 'bench', { env: {}, platform: 'linux', homedir: os.homedir() });
    const engine = new DaemonEngine(endpoint);
    const modem = new (await import('dockerode')).default({ socketPath });
    for (let i = 0; i < CONTAINERS; i += 25) {
      await Promise.all(Array.from({ length: Math.min(25, CONTAINERS - i) }, (_, k) => modem.createContainer({
        Image: BASE, name: `bench-${i + k}`, Cmd: ['sh', '-c', "trap 'exit 0' TERM; while sleep 1; do :; done"], HostConfig: { NetworkMode: 'none' },
        Labels: (i + k) % 10 === 0 ? { 'com.docker.compose.project': `p${(i + k) % 7}` } : {},
      })));
    }
    for (let i = 0; i < RUNNING; i++) await modem.getContainer(`bench-${i}`).start();
    console.log(`setup: ${((performance.now() - setup) / 1000).toFixed(1)} s`);

    // 1. Full refresh: what the view does on open or refresh, against the docker CLI and the raw API.
    const containers = new ContainerList();
    const images = new ImageList();
    // Interleaved rounds, so a busy moment of the machine weighs on every contender alike.
    const contenders: Record<string, Record<'containers' | 'images', () => unknown>> = {
      ours: {
        containers: async () => { await containers.load(engine); groupContainers(containers.all(), 'composeProject', options); },
        images: async () => { await images.load(engine); groupImages(images.all(), true, options); },
      },
      raw: { containers: () => rawGet(socketPath, '/containers/json?all=1'), images: () => rawGet(socketPath, '/images/json') },
      dockerode: { containers: () => modem.listContainers({ all: true }), images: () => modem.listImages() },
      cli: { containers: () => daemon.docker('ps', '-a', '--format', 'json'), images: () => daemon.docker('images', '--format', 'json') },
    };
    const samples = new Map<string, number[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [who, runs] of Object.entries(contenders)) {
        for (const [kind, run] of Object.entries(runs)) {
          const t0 = performance.now();
          await run();
          const list = samples.get(`${who}.${kind}`) ?? [];
          list.push(performance.now() - t0);
          samples.set(`${who}.${kind}`, list);
        }
      }
    }
    const figure = (who: string) => ({ containers: median(samples.get(`${who}.containers`)!), images: median(samples.get(`${who}.images`)!) });
    const [ours, raw, dockerode, cli] = ['ours', 'raw', 'dockerode', 'cli'].map(figure);
    console.log('\nfull refresh (median of runs)     ours       raw API    dockerode  docker CLI  ours/raw');
    for (const kind of ['containers', 'images'] as const) {
      const row = [ours, raw, dockerode, cli].map((m) => ms(m[kind]).padStart(9)).join('   ');
      console.log(`  ${kind.padEnd(28)} ${row}   ${(ours[kind] / raw[kind]).toFixed(2)}x (ours on top: ${ms(ours[kind] - raw[kind])})`);
    }

    // 2. Event to updated children, with the daemon's CPU per event.
    const connection = new EngineConnection({ candidates: () => engineCandidates({ env: { DOCKER_HOST: daemon.host }, platform: 'linux', homedir: os.homedir() }) });
    const state = await connection.connect();
    if (state.status !== 'connected') throw new Error('the benchmark daemon did not answer');
    await containers.load(state.engine);
    const latencies: number[] = [];
    let pending: Promise<void> = Promise.resolve();
    connection.onDidReceiveEvents((events: readonly EngineEvent[]) => {
      const arrived = performance.now();
      pending = pending.then(async () => {
        if (await containers.apply(state.engine, events)) {
          groupContainers(containers.all(), 'composeProject', options);
          latencies.push(performance.now() - arrived);
        }
      });
    });
    await new Promise((r) => setTimeout(r, 300));
    const target = modem.getContainer('bench-0');
    const toggle = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await (i % 2 === 0 ? target.pause() : target.unpause());
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const cpuBefore = cpuMs(daemon.pid);
    await toggle(EVENTS);
    await new Promise((r) => setTimeout(r, 500));
    await pending;
    const cpuWithViews = cpuMs(daemon.pid) - cpuBefore;
    connection.dispose();
    await new Promise((r) => setTimeout(r, 300));
    const cpuBaseBefore = cpuMs(daemon.pid);
    await toggle(EVENTS);
    await new Promise((r) => setTimeout(r, 500));
    const cpuAlone = cpuMs(daemon.pid) - cpuBaseBefore;
    console.log(`\nevent → updated children (${latencies.length} container events, ${CONTAINERS} containers listed)`);
    console.log(`  median ${ms(median(latencies))}, max ${ms(Math.max(...latencies))}`);
    console.log(`  dockerd CPU per event caused by the view: ${ms((cpuWithViews - cpuAlone) / EVENTS)} (a full container list costs it ~${ms(raw.containers)} of wall time)`);

    // 3. Nothing changes: the only request is the event stream itself.
    const proxy = await countingProxy(socketPath);
    const idle = new EngineConnection({ candidates: () => engineCandidates({ env: { DOCKER_HOST: `unix://${proxy.socketPath}` }, platform: 'linux', homedir: os.homedir() }) });
    await idle.connect();
    await new Promise((r) => setTimeout(r, 500));
    const atStart = proxy.requests();
    await new Promise((r) => setTimeout(r, 10_000));
    console.log(`\nidle for 10 s: ${proxy.requests() - atStart} engine requests (connecting made ${atStart}: the version probe and the event stream)`);
    idle.dispose();
    proxy.close();
    engine.dispose();
  } finally {
    await daemon.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
