import type { Flag, Instruction } from '../syntax';
import { headRange, type RuleContext } from './ruleTypes';

export const INSTRUCTIONS = ['FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL'];
const KNOWN = new Set(INSTRUCTIONS);

/** The flags each instruction takes, and whether a flag may repeat. */
export const FLAGS: Readonly<Record<string, readonly string[]>> = {
  FROM: ['platform'],
  RUN: ['mount', 'network', 'security', 'device'],
  COPY: ['from', 'chown', 'chmod', 'link', 'parents', 'exclude'],
  ADD: ['chown', 'chmod', 'link', 'checksum', 'keep-git-dir', 'exclude', 'unpack'],
  HEALTHCHECK: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
};
const REPEATABLE = new Set(['mount', 'exclude', 'device']);
const BOOLEAN_FLAGS = new Set(['link', 'parents', 'keep-git-dir', 'unpack']);
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const SIGNALS = new Set(['ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE', 'POLL', 'PROF', 'PWR', 'QUIT', 'SEGV',
  'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'UNUSED', 'URG', 'USR1', 'USR2', 'VTALRM', 'WINCH', 'XCPU', 'XFSZ']);
const JSON_FORMS = new Set(['RUN', 'CMD', 'ENTRYPOINT', 'VOLUME', 'COPY', 'ADD', 'SHELL']);
/** The instructions whose words the checks below read; RUN, CMD and the rest are not split into words. */
const WORD_CHECKED = new Set(['FROM', 'EXPOSE', 'STOPSIGNAL', 'ENV', 'LABEL', 'ARG', 'SHELL', 'COPY', 'ADD', 'HEALTHCHECK', 'ONBUILD']);
const MOUNT_TYPES = new Set(['bind', 'cache', 'tmpfs', 'secret', 'ssh']);
const MOUNT_KEYS = new Set(['type', 'target', 'dst', 'destination', 'source', 'src', 'from', 'ro', 'readonly', 'rw', 'readwrite', 'id', 'sharing', 'mode', 'uid', 'gid',
  'required', 'env', 'size', 'relabel', 'bind-propagation']);

/** What a build would reject: unknown instructions and flags, missing arguments, bad values. */
export function checkBuild(ctx: RuleContext): void {
  const { doc } = ctx;
  for (const p of doc.problems) ctx.report(p.message.startsWith('The heredoc') ? 'DF011' : 'DF008', p.range, undefined, p.message);
  for (const d of doc.directives) {
    if (d.name === 'check' && !/^\s*((skip|error)=[^;]*)(\s*;\s*(skip|error)=[^;]*)*\s*$/.test(d.value)) ctx.report('DF008', d.valueRange, undefined, `Invalid check directive "${d.value}": use skip=<checks>|all and/or error=true|false, separated by ";".`);
    if (d.name === 'syntax' && !d.value) ctx.report('DF008', d.range, undefined, 'The syntax directive needs a frontend image, e.g. docker/dockerfile:1.');
  }
  for (const ins of doc.instructions) {
    checkInstruction(ctx, ins, ins);
    if (ins.trigger) checkInstruction(ctx, ins.trigger, ins);
  }
  if (doc.instructions.length && !doc.instructions.some((i) => i.keyword === 'FROM')) ctx.report('DF012', headRange(doc.instructions[0]), doc.instructions[0]);
}

function checkInstruction(ctx: RuleContext, ins: Instruction, owner: Instruction): void {
  const report = (rule: string, start: number, end: number, message: string) => ctx.report(rule, ins.text.rangeOf(start, end), owner, message);
  if (!KNOWN.has(ins.keyword)) {
    const guess = INSTRUCTIONS.find((k) => distance(k, ins.keyword) <= 2);
    ctx.report('DF001', ins.keywordRange, owner, `Unknown instruction "${ins.keyword}".${guess ? ` Did you mean ${guess}?` : ''}`);
    return;
  }
  if (!ins.argsText && ins.heredocs.length === 0 && ins.flags.length === 0) {
    ctx.report('DF002', ins.keywordRange, owner, `${ins.keyword} needs at least one argument.`);
    return;
  }
  if (ins.flags.length) checkFlags(ctx, ins, owner);
  const text = ins.text.text;
  if (text.charCodeAt(ins.argsStart) === 91 /* [ */ && !ins.json && JSON_FORMS.has(ins.keyword)) {
    report('DF009', ins.argsStart, text.trimEnd().length, `${ins.keyword} looks like JSON but is not valid JSON (use double quotes, commas, no trailing comma): Docker runs it as a shell command line instead.`);
  }
  if (!WORD_CHECKED.has(ins.keyword)) return;
  const words = ins.words;
  switch (ins.keyword) {
    case 'FROM': {
      if (!(words.length === 1 || (words.length === 3 && words[1].value.toLowerCase() === 'as'))) {
        report('DF010', ins.argsStart, text.trimEnd().length, 'FROM takes an image and optionally "AS <name>".');
      } else if (words.length === 3 && !/^[a-z][a-z0-9_.-]*$/i.test(words[2].value) && !words[2].value.includes('$')) {
        report('DF007', words[2].start, words[2].end, `Invalid stage name "${words[2].value}": it must start with a letter and hold only letters, digits, "_", "-" and ".".`);
      }
      const stage = ctx.model.stages[ctx.model.stageOf[ins.index]];
      if (stage?.from === ins && stage.imageError && words[0]) report('DF010', words[0].start, words[0].end, `${stage.imageError}.`);
      break;
    }
    case 'EXPOSE':
      for (const w of words) {
        if (!w.value.includes('$') && !/^(\d+)(-\d+)?(\/(tcp|udp|sctp))?$/i.test(w.value)) report('DF005', w.start, w.end, `Invalid port "${w.value}": use <port>[/tcp|udp|sctp] or a range <from>-<to>.`);
      }
      break;
    case 'STOPSIGNAL': {
      const s = ins.argsText;
      if (!s.includes('$') && !/^\d+$/.test(s) && !SIGNALS.has(s.toUpperCase().replace(/^SIG/, '').replace(/^RTMIN\+\d+$|^RTMAX-\d+$/, 'URG'))) {
        report('DF006', ins.argsStart, ins.argsStart + s.length, `Invalid signal "${s}": use a name such as SIGTERM or SIGQUIT, or a number.`);
      }
      break;
    }
    case 'ENV':
    case 'LABEL': {
      if (words.length && !words[0].raw.includes('=')) {
        if (words.length < 2 && ins.keyword === 'ENV') report('DF010', words[0].start, words[0].end, `ENV ${words[0].value} has no value: write ENV ${words[0].value}=<value>.`);
        if (ins.keyword === 'LABEL' && words.length < 2) report('DF010', words[0].start, words[0].end, `LABEL ${words[0].value} has no value: write LABEL ${words[0].value}=<value>.`);
        break;
      }
      for (const w of words) {
        if (!w.raw.includes('=')) report('DF010', w.start, w.end, `"${w.value}" is not a key=value pair.`);
        else if (w.raw.startsWith('=')) report('DF010', w.start, w.end, `"${w.raw}" has no key.`);
      }
      break;
    }
    case 'ARG':
      for (const w of words) {
        const name = w.value.split('=')[0];
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) report('DF010', w.start, w.end, `Invalid ARG name "${name}".`);
      }
      break;
    case 'SHELL':
      if (!ins.json) report('DF010', ins.argsStart, text.trimEnd().length, 'SHELL takes the JSON form: SHELL ["executable", "parameters"].');
      break;
    case 'COPY':
    case 'ADD': {
      const count = ins.json ? ins.json.values.length : words.length;
      if (count < 2) report('DF010', ins.argsStart, text.trimEnd().length, `${ins.keyword} needs at least one source and a destination.`);
      break;
    }
    case 'HEALTHCHECK': {
      const kind = words[0]?.value.toUpperCase();
      if (kind === 'NONE' && (words.length > 1 || ins.flags.length)) report('DF010', ins.argsStart, text.trimEnd().length, 'HEALTHCHECK NONE takes no other arguments or flags.');
      else if (kind !== 'NONE' && kind !== 'CMD') report('DF010', ins.argsStart, text.trimEnd().length, 'HEALTHCHECK takes NONE, or CMD followed by the command.');
      else if (kind === 'CMD' && words.length < 2) report('DF002', words[0].start, words[0].end, 'HEALTHCHECK CMD needs a command.');
      break;
    }
    case 'ONBUILD':
      if (!ins.trigger && ins === owner) ctx.report('DF002', ins.keywordRange, owner, 'ONBUILD needs an instruction to run.');
      break;
  }
}

function checkFlags(ctx: RuleContext, ins: Instruction, owner: Instruction): void {
  const allowed = FLAGS[ins.keyword] ?? [];
  const seen = new Set<string>();
  for (const f of ins.flags) {
    const range = ins.text.rangeOf(f.start, f.end);
    if (!allowed.includes(f.name)) {
      ctx.report('DF003', range, owner, `Unknown flag --${f.name} for ${ins.keyword}.${allowed.length ? ` It takes ${allowed.map((a) => `--${a}`).join(', ')}.` : ''}`);
      continue;
    }
    if (seen.has(f.name) && !REPEATABLE.has(f.name)) ctx.report('DF004', range, owner, `--${f.name} is given twice.`);
    seen.add(f.name);
    const problem = flagProblem(f);
    if (problem) ctx.report('DF004', range, owner, problem);
  }
}

function flagProblem(f: Flag): string | undefined {
  const v = f.value;
  if (BOOLEAN_FLAGS.has(f.name)) return v === undefined || v === 'true' || v === 'false' ? undefined : `--${f.name} is true or false, not "${v}".`;
  if (v === undefined || v === '') return `--${f.name} needs a value: --${f.name}=<value>.`;
  if (v.includes('$')) return undefined;
  switch (f.name) {
    case 'network':
      return ['default', 'none', 'host'].includes(v) ? undefined : `--network is default, none or host, not "${v}".`;
    case 'security':
      return ['insecure', 'sandbox'].includes(v) ? undefined : `--security is insecure or sandbox, not "${v}".`;
    case 'chmod':
      return /^[0-7]{3,4}$/.test(v) || /^([ugoa]*[-+=][rwxXst]*)(,[ugoa]*[-+=][rwxXst]*)*$/.test(v) ? undefined : `--chmod takes an octal mode such as 0755 (or u+x), not "${v}".`;
    case 'checksum':
      return /^sha(256|384|512):[0-9a-f]+$/.test(v) ? undefined : `--checksum takes <algorithm>:<hex digest>, e.g. sha256:…, not "${v}".`;
    case 'mount':
      return mountProblem(v);
    case 'interval':
    case 'timeout':
    case 'start-period':
    case 'start-interval':
      return DURATION.test(v) ? undefined : `--${f.name} takes a duration such as 30s or 1m30s, not "${v}".`;
    case 'retries':
      return /^\d+$/.test(v) ? undefined : `--retries takes a whole number, not "${v}".`;
    case 'platform':
      return /^[a-z0-9_]+(\/[a-z0-9_]+){0,2}(,[a-z0-9_]+(\/[a-z0-9_]+){0,2})*$/i.test(v) ? undefined : `--platform takes os/arch[/variant], e.g. linux/amd64, not "${v}".`;
  }
  return undefined;
}

function mountProblem(spec: string): string | undefined {
  const fields = new Map<string, string>();
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).toLowerCase();
    if (!MOUNT_KEYS.has(key)) return `Unknown --mount option "${key}".`;
    fields.set(key, eq < 0 ? '' : part.slice(eq + 1));
  }
  const type = fields.get('type') ?? 'bind';
  if (!MOUNT_TYPES.has(type)) return `Unknown mount type "${type}": use bind, cache, tmpfs, secret or ssh.`;
  const target = fields.get('target') ?? fields.get('dst') ?? fields.get('destination');
  if ((type === 'bind' || type === 'cache' || type === 'tmpfs') && !target) return `A ${type} mount needs target=<path>.`;
  const sharing = fields.get('sharing');
  if (sharing !== undefined && !['shared', 'private', 'locked'].includes(sharing)) return `sharing is shared, private or locked, not "${sharing}".`;
  return undefined;
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
