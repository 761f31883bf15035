import { DOCKER_HUB } from '../../core/registry/imageReference';
import { headRange, type RuleContext } from './ruleTypes';

const RESERVED_STAGE_NAMES = new Set(['scratch', 'context']);

/** FROM: tags, registries, platforms, stage names, and what may come before the first FROM. */
export function checkFrom(ctx: RuleContext): void {
  const { model, settings } = ctx;
  const seen = new Set<string>();
  const names = new Set<string>();
  for (const stage of model.stages) {
    const ins = stage.from;
    const image = stage.image;
    const ref = stage.imageRef;
    if (image && ref && !names.has(image.value.toLowerCase())) {
      const range = ins.text.rangeOf(image.start, image.end);
      if (!ref.tag && !ref.digest) ctx.report('DL3006', range, ins);
      if (ref.tag === 'latest' && !ref.digest) ctx.report('DL3007', range, ins);
      if (settings.trustedRegistries.length && !trusted(ref.domain, settings.trustedRegistries)) {
        ctx.report('DL3026', range, ins, `Use only an allowed registry in the FROM image: ${ref.domain} is not in trustedRegistries (${settings.trustedRegistries.join(', ')}).`);
      }
    }
    const platform = ins.flags.find((f) => f.name === 'platform');
    if (platform && !(platform.value ?? '').includes('$')) ctx.report('DL3029', ins.text.rangeOf(platform.start, platform.end), ins);
    if (stage.name && stage.nameWord) {
      const range = ins.text.rangeOf(stage.nameWord.start, stage.nameWord.end);
      if (seen.has(stage.name)) ctx.report('DL3024', range, ins, `FROM aliases (stage names) must be unique: "${stage.nameWord.value}" is already a stage.`);
      seen.add(stage.name);
      if (RESERVED_STAGE_NAMES.has(stage.name)) ctx.report('DL3063', range, ins, `Stage name should not be a reserved word: "${stage.name}".`);
      names.add(stage.name);
    }
  }
  for (const ins of ctx.doc.instructions) {
    if (ins.keyword === 'FROM') break;
    if (ins.keyword !== 'ARG') ctx.report('DL3061', headRange(ins), ins);
  }
}

function trusted(host: string, allowed: readonly string[]): boolean {
  return allowed.some((a) => {
    if (a === host) return true;
    if (host === DOCKER_HUB && (a === 'hub.docker.com' || a === 'index.docker.io')) return true;
    if (a.startsWith('*.')) return host.endsWith(a.slice(1));
    return false;
  });
}
