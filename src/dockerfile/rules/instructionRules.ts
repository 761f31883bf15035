import { keyValues, variableReferences } from '../model';
import { positional } from '../shell/shellCommands';
import { headRange, type RuleContext } from './ruleTypes';

const ARCHIVE = /\.(tar|Z|bz2|gz|lz|lzma|tZ|tb2|tbz|tbz2|tgz|tlz|tpz|txz|xz|zst|tzst)$/;
const REMOTE = /^(https?:\/\/|git@|git:\/\/|ssh:\/\/)|\.git(#.*)?$/;
const UNPACKERS = new Set(['unzip', 'gunzip', 'bunzip2', 'unlzma', 'unxz', 'zgz', 'uncompress', 'zcat', 'gzcat']);

/** Rules about single instructions: WORKDIR, EXPOSE, ADD, COPY, CMD/ENTRYPOINT, ONBUILD, ENV, MAINTAINER. */
export function checkInstructions(ctx: RuleContext): void {
  for (const ins of ctx.doc.instructions) {
    switch (ins.keyword) {
      case 'WORKDIR': {
        const dir = ins.argsText.replace(/^["']|["']$/g, '');
        if (dir && !dir.startsWith('/') && !dir.startsWith('$') && !/^[A-Za-z]:[\\/]/.test(dir)) ctx.report('DL3000', headRange(ins), ins);
        break;
      }
      case 'EXPOSE':
        for (const w of ins.words) {
          if (w.value.includes('$')) continue;
          const ports = /^(\d+)(?:-(\d+))?(?:\/\w+)?$/.exec(w.value);
          if (ports && ports.slice(1).some((p) => p !== undefined && Number(p) > 65535)) ctx.report('DL3011', ins.text.rangeOf(w.start, w.end), ins);
        }
        break;
      case 'ADD': {
        const sources = sourcesOf(ins).filter((s) => !s.startsWith('<<'));
        if (sources.some((s) => !ARCHIVE.test(s) && !REMOTE.test(s))) ctx.report('DL3020', headRange(ins), ins);
        break;
      }
      case 'COPY': {
        const count = ins.json ? ins.json.values.length : ins.words.length;
        const dest = ins.json ? ins.json.values.at(-1) : ins.words.at(-1)?.value;
        if (count > 2 && dest !== undefined && !dest.endsWith('/') && !dest.endsWith('\\')) ctx.report('DL3021', headRange(ins), ins);
        break;
      }
      case 'CMD':
      case 'ENTRYPOINT':
        if (!ins.json && ins.argsText) ctx.report('DL3025', headRange(ins), ins);
        break;
      case 'ONBUILD':
        if (ins.trigger && ['ONBUILD', 'FROM', 'MAINTAINER'].includes(ins.trigger.keyword)) ctx.report('DL3043', ins.trigger.keywordRange, ins);
        break;
      case 'MAINTAINER':
        ctx.report('DL4000', headRange(ins), ins);
        break;
      case 'ENV':
        checkEnvSelfReference(ctx, ins);
        break;
    }
  }
  checkArchivesExtracted(ctx);
}

function sourcesOf(ins: { json?: { values: readonly string[] }; words: readonly { value: string }[] }): string[] {
  const all = ins.json ? [...ins.json.values] : ins.words.map((w) => w.value);
  return all.slice(0, -1);
}

function checkEnvSelfReference(ctx: RuleContext, ins: Parameters<typeof keyValues>[0]): void {
  const pairs = keyValues(ins);
  if (pairs.length < 2) return;
  const refs = variableReferences(ins, ctx.doc.escape);
  if (!refs.some((r) => pairs.some((p) => p.key === r.name))) return;
  const stage = ctx.model.stageOf[ins.index];
  const before = new Set(ctx.model.variables.filter((v) => v.instruction.index < ins.index && v.stage === stage).map((v) => v.name));
  for (let i = 1; i < pairs.length; i++) {
    const valueStart = pairs[i].valueStart;
    if (valueStart === undefined) continue;
    const earlier = new Set(pairs.slice(0, i).map((p) => p.key));
    const startPos = ins.text.positionAt(valueStart);
    const endPos = ins.text.endPositionAt(pairs[i].end);
    const inValue = refs.filter((r) => after(r.range.start, startPos) && !after(r.range.start, endPos));
    const bad = inValue.find((r) => earlier.has(r.name) && !before.has(r.name));
    if (bad) ctx.report('DL3044', bad.range, ins, `Do not refer to an environment variable within the same ENV statement where it is defined: ${bad.name} is still unset here.`);
  }
}

function after(a: { line: number; character: number }, b: { line: number; character: number }): boolean {
  return a.line > b.line || (a.line === b.line && a.character >= b.character);
}

/** DL3010: an archive COPYed in and then unpacked by a later RUN of the same stage. */
function checkArchivesExtracted(ctx: RuleContext): void {
  const runsByIndex = new Map(ctx.runs.map((r) => [r.instruction.index, r]));
  for (const stage of ctx.model.stages) {
    const archives: { name: string; ins: (typeof stage.instructions)[number] }[] = [];
    const reported = new Set<number>();
    for (const ins of stage.instructions) {
      if (ins.keyword === 'COPY' && !ins.flags.some((f) => f.name === 'from')) {
        for (const s of sourcesOf(ins)) if (ARCHIVE.test(s)) archives.push({ name: basename(s), ins });
        const dest = ins.words.at(-1)?.value ?? '';
        if (ARCHIVE.test(dest)) archives.push({ name: basename(dest), ins });
      }
      const run = runsByIndex.get(ins.index);
      if (!run || archives.length === 0) continue;
      for (const cmd of run.commands) {
        const extracts = UNPACKERS.has(cmd.name) || (cmd.name === 'tar' && cmd.args.some((a, i) =>
          a.value === '--extract' || a.value === '--get' || /^-[a-zA-Z]*x/.test(a.value) || (i === 0 && /^[a-zA-Z]*x[a-zA-Z]*$/.test(a.value))));
        if (!extracts) continue;
        const names = new Set(positional(cmd).map((w) => basename(w.value)).concat(cmd.args.map((a) => basename(a.value.replace(/^-[a-zA-Z]*f/, '')))));
        for (const a of archives) {
          if (names.has(a.name) && !reported.has(a.ins.index)) {
            reported.add(a.ins.index);
            ctx.report('DL3010', headRange(a.ins), a.ins);
          }
        }
      }
    }
  }
}

function basename(path: string): string {
  const p = path.replace(/^["']|["']$/g, '');
  return p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);
}
