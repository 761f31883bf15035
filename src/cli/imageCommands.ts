import fs from 'node:fs';
import path from 'node:path';
import { familiarReference, parseReference } from '../core/registry/imageReference';
import { loadArchive } from '../core/store/archiveLoad';
import { saveImages } from '../core/store/archiveSave';
import { removeImage, type Removal } from '../core/store/imageRemoval';
import { ImageStore, normalizeRef } from '../core/store/imageStore';
import { importRootfs } from '../core/store/rootfsImport';
import { parseArgs } from './cliArgs';
import { CliError, print, type CliCommand } from './cliCommand';
import { withEngine } from './engineCommands';

const familiar = (ref: string) => familiarReference(parseReference(ref));

async function store(): Promise<ImageStore> {
  return ImageStore.open();
}

function daemonLacks(command: string, docker: string): never {
  throw new CliError(`the daemon engine has no "${command}" here (the Engine API of stevedore does not offer it); use "${docker}" with the docker CLI, or --engine core for the core image store`, 2);
}

const TAG_USAGE = 'usage: stevedore tag SOURCE TARGET [--engine core] [--json]';
const RMI_USAGE = 'usage: stevedore rmi [-f|--force] IMAGE... [--engine core] [--json]';
const SAVE_USAGE = 'usage: stevedore save -o FILE IMAGE... [--engine core] [--json]';
const LOAD_USAGE = 'usage: stevedore load -i FILE --engine core [--json]';
const IMPORT_USAGE = 'usage: stevedore import FILE [REFERENCE] --engine core [--json]';

export const imageCommands: readonly CliCommand[] = [
  {
    name: 'tag',
    summary: 'give an image another name: tag SOURCE TARGET [--engine core] [--json]',
    async run(args) {
      const a = parseArgs(args, { flags: ['--json'] }, TAG_USAGE);
      if (a.positional.length !== 2) throw new CliError(TAG_USAGE, 2);
      const [source, target] = a.positional;
      const json = a.flags.has('--json');
      if (!a.core) {
        return withEngine(async (engine) => {
          await engine.tagImage(source, target);
          if (json) print(true, { source, target }, () => '');
        });
      }
      const s = await store();
      const descriptor = await s.resolve(source);
      if (!descriptor) throw new CliError(`no such image in the core store: ${source}`);
      await s.tag(target, descriptor);
      if (json) print(true, { source, target: normalizeRef(target), manifest: descriptor.digest }, () => '');
      return 0;
    },
  },
  {
    name: 'rmi',
    summary: 'remove images (a name: that name; an id: the image) [-f] [--engine core] [--json]',
    async run(args) {
      const a = parseArgs(args, { flags: ['--json', '--force'], aliases: { '-f': '--force' } }, RMI_USAGE);
      if (!a.positional.length) throw new CliError(RMI_USAGE, 2);
      const force = a.flags.has('--force');
      const json = a.flags.has('--json');
      if (!a.core) {
        return withEngine(async (engine) => {
          for (const image of a.positional) await engine.removeImage(image, { force });
          print(json, a.positional.map((image) => ({ removed: image })), () => a.positional.map((i) => `Removed: ${i}`).join('\n'));
        });
      }
      const s = await store();
      const results: (Removal & { image: string })[] = [];
      for (const image of a.positional) results.push({ image, ...(await removeImage(s, image, { force })) });
      print(json, results, () => results.flatMap((r) => [...r.untagged.map((u) => `Untagged: ${familiar(u)}`), ...(r.deleted ? [`Deleted: ${r.deleted}`] : [])]).join('\n'));
      return 0;
    },
  },
  {
    name: 'save',
    summary: 'write images to a docker save archive: save -o FILE IMAGE... [--engine core]',
    async run(args) {
      const a = parseArgs(args, { flags: ['--json'], values: ['--output'], aliases: { '-o': '--output' } }, SAVE_USAGE);
      const output = a.values.get('--output');
      if (!output || !a.positional.length) throw new CliError(SAVE_USAGE, 2);
      const json = a.flags.has('--json');
      if (!a.core) {
        if (a.positional.length > 1) throw new CliError('the daemon engine saves one image at a time here; save them one by one, or use --engine core', 2);
        return withEngine(async (engine) => {
          const temp = `${output}.${process.pid}.tmp`;
          try {
            const out = fs.createWriteStream(temp);
            for await (const chunk of await engine.saveImage(a.positional[0])) if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
            await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
            fs.renameSync(temp, output);
          } finally {
            fs.rmSync(temp, { force: true });
          }
          print(json, { file: path.resolve(output), images: a.positional }, () => `Saved ${a.positional[0]} to ${output}`);
        });
      }
      const saved = await saveImages(await store(), a.positional, output);
      print(json, { file: path.resolve(output), images: saved }, () => saved.map((i) => `Saved ${i.name} (${i.id}) to ${output}`).join('\n'));
      return 0;
    },
  },
  {
    name: 'load',
    summary: 'load a docker save or OCI archive into the core store: load -i FILE --engine core',
    async run(args) {
      const a = parseArgs(args, { flags: ['--json'], values: ['--input'], aliases: { '-i': '--input' } }, LOAD_USAGE);
      const input = a.values.get('--input') ?? a.positional[0];
      if (!input || a.positional.length > (a.values.has('--input') ? 0 : 1)) throw new CliError(LOAD_USAGE, 2);
      if (!a.core) daemonLacks('load', `docker load -i ${input}`);
      const loaded = await loadArchive(await store(), input);
      print(a.flags.has('--json'), loaded.map((i) => ({ refs: i.refs, manifest: i.manifest.digest })), () => loaded.map((i) => (i.refs.length ? i.refs.map((r) => `Loaded image: ${familiar(r)}`).join('\n') : `Loaded image ID: ${i.manifest.digest}`)).join('\n'));
      return 0;
    },
  },
  {
    name: 'import',
    summary: 'a root filesystem tarball (plain or gzip) as a one-layer image: import FILE [REF] --engine core',
    async run(args) {
      const a = parseArgs(args, { flags: ['--json'] }, IMPORT_USAGE);
      const [file, ref, ...extra] = a.positional;
      if (!file || extra.length) throw new CliError(IMPORT_USAGE, 2);
      if (!a.core) daemonLacks('import', `docker import ${file}${ref ? ` ${ref}` : ''}`);
      if (ref) normalizeRef(ref);
      const imported = await importRootfs(await store(), file, { ref });
      print(a.flags.has('--json'), { id: imported.id, manifest: imported.manifest.digest, refs: imported.refs }, () => imported.id);
      return 0;
    },
  },
];
