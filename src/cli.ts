#!/usr/bin/env node
import type { ContainerSummary, ImageSummary } from './engine/engine';
import { engineCandidates, selectEngine } from './engine/engineSelection';
import { humanDuration, humanSize } from './engine/humanize';

const USAGE = `Usage: stevedore <command> [--json]

Commands:
  info     the engine in use and how it was found
  images   list images
  ps       list containers, running and stopped

The engine is found as the docker CLI finds it: DOCKER_HOST, else the default Docker socket,
else Podman's sockets.`;

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const [command] = argv.filter((a) => !a.startsWith('--'));
  const help = argv.includes('--help') || argv.includes('-h');
  if (help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return help ? 0 : 2;
  }
  if (!['info', 'images', 'ps'].includes(command)) {
    process.stderr.write(`stevedore: unknown command "${command}"\n\n${USAGE}\n`);
    return 2;
  }
  const selection = await selectEngine(engineCandidates());
  if (!selection.engine) {
    const tried = selection.attempts.map((a) => `  ${a.source}: ${a.error}`).join('\n');
    process.stderr.write(`stevedore: no container engine answered. Tried:\n${tried}\n`);
    return 1;
  }
  const { engine, info } = selection;
  try {
    if (command === 'info') {
      print(json, { ...info, endpoint: engine.endpoint }, () => `${info.product} (API ${info.apiVersion}, ${info.os}/${info.arch}) at ${engine.endpoint}`);
    } else if (command === 'images') {
      const images = await engine.listImages();
      print(json, images, () => table(['REPOSITORY:TAG', 'IMAGE ID', 'CREATED', 'SIZE'], images.flatMap(imageRows)));
    } else {
      const containers = await engine.listContainers();
      print(json, containers, () => table(['CONTAINER ID', 'IMAGE', 'STATUS', 'NAME'], containers.map(containerRow)));
    }
    return 0;
  } catch (err) {
    process.stderr.write(`stevedore: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    engine.dispose();
  }
}

function imageRows(image: ImageSummary): string[][] {
  const row = (name: string) => [name, image.id.replace(/^sha256:/, '').slice(0, 12), `${humanDuration(Date.now() - image.created)} ago`, humanSize(image.size)];
  return image.tags.length ? image.tags.map(row) : [row('<none>:<none>')];
}

function containerRow(c: ContainerSummary): string[] {
  return [c.id.slice(0, 12), c.image, c.status, c.name];
}

function print(json: boolean, data: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${text()}\n`);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('   ')).join('\n');
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
