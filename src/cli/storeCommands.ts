import { humanSize } from '../engine/humanize';
import { collectGarbage, DEFAULT_GC_GRACE_MS } from '../core/store/garbageCollection';
import { ImageStore } from '../core/store/imageStore';
import { checkStore } from '../core/store/storeCheck';
import { parseArgs } from './cliArgs';
import { CliError, print, type CliCommand } from './cliCommand';

const FSCK_USAGE = 'usage: stevedore fsck [--repair] [--json]';
const GC_USAGE = 'usage: stevedore gc [--grace SECONDS] [--json]';

/** What the fsck summary adds about leftovers still there (they do not make the store unclean). */
function leftoverSummary(leftovers: readonly { size: number; removed: boolean }[]): string {
  const kept = leftovers.filter((l) => !l.removed);
  if (!kept.length) return '';
  return `; ${kept.length} leftover${kept.length === 1 ? '' : 's'} of interrupted work (${humanSize(kept.reduce((n, l) => n + l.size, 0))}): "stevedore fsck --repair" removes them`;
}

/** Commands of the core image store only (no daemon equivalent): checking and cleaning it. */
export const storeCommands: readonly CliCommand[] = [
  {
    name: 'fsck',
    summary: 'check every blob of the core image store; --repair drops corrupt and leftover files [--json]',
    async run(args) {
      const a = parseArgs(args, { flags: ['--json', '--repair'] }, FSCK_USAGE);
      if (a.positional.length) throw new CliError(FSCK_USAGE, 2);
      const store = await ImageStore.open();
      const result = await checkStore(store, { repair: a.flags.has('--repair') });
      print(a.flags.has('--json'), { root: store.root, ...result }, () => [
        ...result.problems.map((p) => `${p.repaired ? 'repaired' : 'problem'}: ${p.kind} ${p.subject}: ${p.detail}`),
        ...result.leftovers.map((l) => `${l.removed ? 'removed' : 'leftover'}: ${l.kind} ${l.path} (${humanSize(l.size)})`),
        `${result.clean ? 'clean' : 'NOT clean'}: ${result.blobsChecked} blobs (${humanSize(result.bytesChecked)}) checked in ${store.root}${leftoverSummary(result.leftovers)}`,
      ].join('\n'));
      return result.clean ? 0 : 1;
    },
  },
  {
    name: 'gc',
    summary: 'remove the core store\'s blobs no image uses [--grace SECONDS] [--json]',
    async run(args) {
      const a = parseArgs(args, { flags: ['--json'], values: ['--grace'] }, GC_USAGE);
      if (a.positional.length) throw new CliError(GC_USAGE, 2);
      const grace = a.values.has('--grace') ? Number(a.values.get('--grace')) * 1000 : DEFAULT_GC_GRACE_MS;
      if (!Number.isFinite(grace) || grace < 0) throw new CliError(`--grace takes a number of seconds\n${GC_USAGE}`, 2);
      const result = await collectGarbage(await ImageStore.open(), { graceMs: grace });
      print(a.flags.has('--json'), result, () => [
        ...result.removed.map((b) => `deleted: ${b.digest}`),
        ...result.removedIngest.map((f) => `deleted leftover: ${f}`),
        ...result.removedBuilds.map((w) => `deleted workspace of a killed build: ${w.path} (${humanSize(w.size)})`),
        `${result.removed.length} blobs deleted, ${humanSize(result.freedBytes)} freed${result.keptRecent ? `; ${result.keptRecent} unused blobs younger than ${grace / 1000}s kept (--grace 0 to delete them)` : ''}`,
      ].join('\n'));
      return 0;
    },
  },
];
