import type { Instruction } from '../syntax';
import { headRange, type RuleContext } from './ruleTypes';

/** Per-stage rules: last USER, duplicate CMD/ENTRYPOINT/HEALTHCHECK, COPY --from, relative COPY. */
export function checkStages(ctx: RuleContext): void {
  const { model } = ctx;
  const workdirSet = new Map<number, boolean>();
  const healthy = new Map<number, boolean>();
  for (const stage of model.stages) {
    let lastUser: Instruction | undefined;
    const counts = { CMD: 0, ENTRYPOINT: 0, HEALTHCHECK: 0 };
    let workdir = stage.parent !== undefined && workdirSet.get(stage.parent) === true;
    let healthcheck = stage.parent !== undefined && healthy.get(stage.parent) === true;
    for (const ins of stage.instructions) {
      switch (ins.keyword) {
        case 'USER':
          lastUser = ins;
          break;
        case 'CMD':
        case 'ENTRYPOINT':
        case 'HEALTHCHECK': {
          counts[ins.keyword]++;
          if (ins.keyword === 'HEALTHCHECK') healthcheck = true;
          if (counts[ins.keyword] > 1) ctx.report(ins.keyword === 'CMD' ? 'DL4003' : ins.keyword === 'ENTRYPOINT' ? 'DL4004' : 'DL3012', headRange(ins), ins);
          break;
        }
        case 'WORKDIR':
          workdir = true;
          break;
        case 'COPY':
          checkCopyFrom(ctx, ins, stage.index, stage.name);
          if (!workdir) checkRelativeDestination(ctx, ins);
          break;
      }
    }
    workdirSet.set(stage.index, workdir);
    healthy.set(stage.index, healthcheck);
    if (lastUser && isRoot(lastUser.argsText)) ctx.report('DL3002', headRange(lastUser), lastUser);
    if (!healthcheck && ctx.enabled('DL3057')) ctx.report('DL3057', headRange(stage.from), stage.from);
  }
}

function isRoot(user: string): boolean {
  const u = user.trim();
  return u === 'root' || u === '0' || u.startsWith('root:') || u.startsWith('0:');
}

function checkCopyFrom(ctx: RuleContext, ins: Instruction, stageIndex: number, stageName: string | undefined): void {
  const from = ins.flags.find((f) => f.name === 'from');
  if (!from?.value) return;
  const value = from.value.toLowerCase();
  const range = ins.text.rangeOf(from.valueStart ?? from.start, from.end);
  if (stageName && value === stageName) {
    ctx.report('DL3023', range, ins);
    return;
  }
  if (/^\d+$/.test(value) && Number(value) < stageIndex) return;
  if (/[/:@$.]/.test(value)) return;
  const named = ctx.model.stageByName(value);
  if (!named || named.index >= stageIndex) ctx.report('DL3022', range, ins, `COPY --from should reference a previously defined FROM alias: no stage before this one is named "${from.value}".`);
}

function checkRelativeDestination(ctx: RuleContext, ins: Instruction): void {
  const dest = ins.json ? ins.json.values.at(-1) : ins.words.at(-1)?.value;
  if (dest === undefined || (ins.json ? ins.json.values.length : ins.words.length) < 2) return;
  if (dest.startsWith('/') || dest.startsWith('$') || /^[A-Za-z]:[\\/]/.test(dest)) return;
  ctx.report('DL3045', headRange(ins), ins);
}
