import type { ShellCommand } from '../shell/shellSyntax';
import { flagNames, hasFlag, isCommand, isOpaque, packagesAfter, positional, subcommand } from '../shell/shellCommands';
import type { RunShell } from './runShell';
import type { RuleContext } from './ruleTypes';

/** Each command of each RUN. */
export function eachCommand(ctx: RuleContext, visit: (cmd: ShellCommand, run: RunShell) => void): void {
  for (const run of ctx.runs) for (const cmd of run.commands) visit(cmd, run);
}

function reportCommand(ctx: RuleContext, rule: string, cmd: ShellCommand, run: RunShell, message?: string): void {
  ctx.report(rule, run.rangeOf(cmd), run.instruction, message);
}

/** A RUN --mount=type=cache whose target is under one of `dirs`. */
function hasCacheMount(run: RunShell, ...dirs: string[]): boolean {
  return run.instruction.flags.some((f) => f.name === 'mount' && /(^|,)type=cache(,|$)/.test(f.value ?? '')
    && dirs.some((d) => new RegExp(`(^|,)(target|dst|destination)=${d.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`).test(f.value ?? '')));
}

const APT_VALUE_FLAGS = ['t', 'target-release', 'o', 'option', 'c', 'config-file'];

function aptGetInstall(cmd: ShellCommand): boolean {
  return cmd.name === 'apt-get' && subcommand(cmd, APT_VALUE_FLAGS) === 'install';
}

export function checkApt(ctx: RuleContext): void {
  eachCommand(ctx, (cmd, run) => {
    if (isCommand(cmd, 'apt-get', 'upgrade', 'dist-upgrade')) reportCommand(ctx, 'DL3005', cmd, run);
    if (cmd.name === 'apt') reportCommand(ctx, 'DL3027', cmd, run);
    if (!aptGetInstall(cmd)) return;
    const unpinned = packagesAfter(cmd, 'install', APT_VALUE_FLAGS).filter((p) => !isOpaque(p) && !p.value.includes('=') && !p.value.includes('/') && !p.value.endsWith('.deb'));
    if (unpinned.length) reportCommand(ctx, 'DL3008', cmd, run, `Pin versions in apt-get install: ${unpinned.map((p) => p.value).join(', ')} (use <package>=<version>).`);
    if (!hasFlag(cmd, 'y', 'yes', 'q', 'assume-yes')) reportCommand(ctx, 'DL3014', cmd, run);
    const noRecommends = hasFlag(cmd, 'no-install-recommends') || cmd.args.some((a) => /^APT::Install-Recommends=(false|0|no)$/i.test(a.value));
    if (!noRecommends) reportCommand(ctx, 'DL3015', cmd, run);
  });
  checkAptLists(ctx);
}

/** DL3009: apt-get update leaves its lists in the layer, in a stage that ends up in an image. */
function checkAptLists(ctx: RuleContext): void {
  const { model } = ctx;
  const usedAsBase = new Set(model.stages.filter((s) => s.parent !== undefined).map((s) => s.parent));
  for (const run of ctx.runs) {
    if (!run.commands.some((c) => isCommand(c, 'apt-get', 'update'))) continue;
    const cleans = run.commands.some((c) => c.name === 'rm' && c.args.some((a) => a.value.startsWith('/var/lib/apt/lists')));
    if (cleans || hasCacheMount(run, '/var/lib/apt/lists') || (hasCacheMount(run, '/var/lib/apt') && hasCacheMount(run, '/var/cache/apt'))) continue;
    const stage = model.stageOf[run.instruction.index];
    if (stage === model.stages.length - 1 || stage < 0 || usedAsBase.has(stage)) {
      const cmd = run.commands.find((c) => isCommand(c, 'apt-get', 'update'))!;
      reportCommand(ctx, 'DL3009', cmd, run);
    }
  }
}

const APK_VALUE_FLAGS = ['t', 'virtual', 'repository', 'X', 'repositories-file', 'p', 'root', 'arch', 'cache-dir', 'keys-dir'];

export function checkApk(ctx: RuleContext): void {
  eachCommand(ctx, (cmd, run) => {
    if (cmd.name !== 'apk') return;
    const sub = subcommand(cmd, APK_VALUE_FLAGS);
    if (sub === 'upgrade') reportCommand(ctx, 'DL3017', cmd, run);
    if (sub !== 'add') return;
    const unpinned = packagesAfter(cmd, 'add', APK_VALUE_FLAGS).filter((p) => !isOpaque(p) && !/[=<>~]/.test(p.value) && !p.value.endsWith('.apk'));
    if (unpinned.length) reportCommand(ctx, 'DL3018', cmd, run, `Pin versions in apk add: ${unpinned.map((p) => p.value).join(', ')} (use <package>=<version>).`);
    if (!hasFlag(cmd, 'no-cache') && !hasCacheMount(run, '/var/cache/apk', '/etc/apk/cache')) reportCommand(ctx, 'DL3019', cmd, run);
  });
}

const YUM_INSTALL = ['install', 'groupinstall', 'localinstall'];

export function checkYum(ctx: RuleContext): void {
  for (const run of ctx.runs) {
    let installs = false;
    for (const cmd of run.commands) {
      if (cmd.name !== 'yum') continue;
      if (isCommand(cmd, 'yum', 'update', 'update-to', 'upgrade', 'upgrade-to')) reportCommand(ctx, 'DL3031', cmd, run);
      if (!isCommand(cmd, 'yum', ...YUM_INSTALL)) continue;
      installs = true;
      if (!hasFlag(cmd, 'y', 'assumeyes')) reportCommand(ctx, 'DL3030', cmd, run);
      const isModule = isCommand(cmd, 'yum', 'module');
      const packages = positional(cmd, ['c', 'config', 'installroot', 'releasever', 'x', 'exclude', 'enablerepo', 'disablerepo'])
        .filter((p) => !isOpaque(p) && !YUM_INSTALL.includes(p.value) && p.value !== 'module');
      const unpinned = packages.filter((p) => (isModule ? !p.value.includes(':') : !p.value.includes('-') && !p.value.endsWith('.rpm')));
      if (unpinned.length) reportCommand(ctx, 'DL3033', cmd, run);
    }
    const cleans = run.commands.some((c) => isCommand(c, 'yum', 'clean') && c.args.some((a) => a.value === 'all'))
      || run.commands.some((c) => c.name === 'rm' && c.args.some((a) => a.value.startsWith('/var/cache/yum')))
      || hasCacheMount(run, '/var/cache/yum');
    if (installs && !cleans) ctx.report('DL3032', run.rangeOf(run.commands.find((c) => isCommand(c, 'yum', ...YUM_INSTALL))!), run.instruction);
  }
}

export function checkDnf(ctx: RuleContext): void {
  for (const run of ctx.runs) {
    let install: ShellCommand | undefined;
    for (const cmd of run.commands) {
      if (cmd.name !== 'dnf' && cmd.name !== 'microdnf') continue;
      if (isCommand(cmd, cmd.name, 'upgrade', 'upgrade-minimal')) reportCommand(ctx, 'DL3039', cmd, run);
      if (!isCommand(cmd, cmd.name, 'install', 'groupinstall', 'localinstall')) continue;
      install ??= cmd;
      if (!hasFlag(cmd, 'y', 'assumeyes')) reportCommand(ctx, 'DL3038', cmd, run);
      const isModule = isCommand(cmd, cmd.name, 'module');
      const packages = positional(cmd, ['c', 'config', 'installroot', 'releasever', 'x', 'exclude', 'enablerepo', 'disablerepo', 'setopt'])
        .filter((p) => !isOpaque(p) && !['install', 'groupinstall', 'localinstall', 'module'].includes(p.value));
      if (packages.some((p) => (isModule ? !p.value.includes(':') : !p.value.includes('-') && !p.value.endsWith('.rpm')))) reportCommand(ctx, 'DL3041', cmd, run);
    }
    const cleans = run.commands.some((c) => (c.name === 'dnf' || c.name === 'microdnf') && isCommand(c, c.name, 'clean') && c.args.some((a) => a.value === 'all'))
      || run.commands.some((c) => c.name === 'rm' && c.args.some((a) => /^\/var\/cache\/(dnf|yum)/.test(a.value)))
      || hasCacheMount(run, '/var/cache/dnf', '/var/cache/yum');
    if (install && !cleans) reportCommand(ctx, 'DL3040', install, run);
  }
}

const ZYPPER_INSTALL = ['install', 'in'];

export function checkZypper(ctx: RuleContext): void {
  for (const run of ctx.runs) {
    let install: ShellCommand | undefined;
    for (const cmd of run.commands) {
      if (cmd.name !== 'zypper') continue;
      if (isCommand(cmd, 'zypper', 'dist-upgrade', 'dup')) reportCommand(ctx, 'DL3035', cmd, run);
      if (isCommand(cmd, 'zypper', 'install', 'in', 'remove', 'rm', 'source-install', 'si', 'patch') && !hasFlag(cmd, 'n', 'non-interactive', 'y', 'no-confirm')) reportCommand(ctx, 'DL3034', cmd, run);
      if (!isCommand(cmd, 'zypper', ...ZYPPER_INSTALL)) continue;
      install ??= cmd;
      const packages = positional(cmd, ['r', 'repo', 't', 'type', 'from']).filter((p) => !isOpaque(p) && !ZYPPER_INSTALL.includes(p.value));
      if (packages.some((p) => !/[=<>]/.test(p.value) && !p.value.endsWith('.rpm'))) reportCommand(ctx, 'DL3037', cmd, run);
    }
    const cleans = run.commands.some((c) => isCommand(c, 'zypper', 'clean', 'cc'))
      || run.commands.some((c) => c.name === 'rm' && c.args.some((a) => a.value.startsWith('/var/cache/zypp')))
      || hasCacheMount(run, '/var/cache/zypp');
    if (install && !cleans) reportCommand(ctx, 'DL3036', install, run);
  }
}

/** `pip`, `pip3`, `pip3.12`, or `python -m pip`; not pipx, pipenv or uv, which pin their own way. */
function pipInstall(cmd: ShellCommand): boolean {
  if (/^pip(\d+(\.\d+)*)?$/.test(cmd.name)) return subcommand(cmd) === 'install';
  if (/^python(\d+(\.\d+)*)?$/.test(cmd.name)) {
    const words = cmd.args.map((a) => a.value);
    const m = words.indexOf('-m');
    return m >= 0 && words[m + 1] === 'pip' && words.slice(m + 2).includes('install');
  }
  return false;
}

const PIP_VALUE_FLAGS = ['abi', 'b', 'build', 'e', 'editable', 'extra-index-url', 'f', 'find-links', 'i', 'index-url', 'implementation', 'no-binary', 'only-binary', 'platform',
  'prefix', 'progress-bar', 'proxy', 'python-version', 'root', 'src', 't', 'target', 'trusted-host', 'upgrade-strategy', 'm', 'c', 'constraint', 'r', 'requirement'];
const PIP_VERSION = /==|>=|<=|>|<|!=|~=|===/;
const VCS = /^(git|hg|svn|bzr)(\+[a-z-]+)?:/;
const TRUTHY = new Set(['1', 'true', 'True', 'TRUE', 'on', 'On', 'ON', 'yes', 'Yes', 'YES']);

export function checkPip(ctx: RuleContext): void {
  const noCacheStages = new Set<number>();
  for (const v of ctx.model.variables) if (v.kind === 'ENV' && v.name === 'PIP_NO_CACHE_DIR' && TRUTHY.has(v.value ?? '')) noCacheStages.add(v.stage);
  eachCommand(ctx, (cmd, run) => {
    if (!pipInstall(cmd)) return;
    const words = cmd.args.map((a) => a.value);
    const flags = flagNames(cmd);
    const fromFile = flags.includes('r') || flags.includes('requirement') || flags.includes('c') || flags.includes('constraint') || words.includes('.');
    if (!fromFile) {
      const packages = positional(cmd, PIP_VALUE_FLAGS).filter((p) => !isOpaque(p));
      const after = packages.findIndex((p) => p.value === 'install');
      const pinned = (p: string) => PIP_VERSION.test(p) || (VCS.test(p) && p.includes('@')) || p.endsWith('.whl') || p.endsWith('.tar.gz') || (!VCS.test(p) && p.includes('/'));
      const unpinned = packages.slice(after + 1).filter((p) => !pinned(p.value));
      if (unpinned.length) reportCommand(ctx, 'DL3013', cmd, run, `Pin versions in pip: ${unpinned.map((p) => p.value).join(', ')} (use <package>==<version>, or --requirement <file>).`);
    }
    const stage = ctx.model.stageOf[run.instruction.index];
    const noCache = words.includes('--no-cache-dir') || noCacheStages.has(stage) || setsNoCacheDir(run, cmd) || hasCacheMount(run, '/root/.cache/pip', '/root/.cache');
    if (!noCache) reportCommand(ctx, 'DL3042', cmd, run);
  });
}

/** PIP_NO_CACHE_DIR set truthy for this pip: as its own assignment, through env, or exported earlier in the RUN. */
function setsNoCacheDir(run: RunShell, pip: ShellCommand): boolean {
  const truthy = (assignment: string) => assignment.startsWith('PIP_NO_CACHE_DIR=') && TRUTHY.has(assignment.slice('PIP_NO_CACHE_DIR='.length));
  if (pip.assignments.some(truthy)) return true;
  return run.commands.some((c) => c.name === 'export' && c.start < pip.start && run.sourceOf(c) === run.sourceOf(pip) && c.args.some((a) => truthy(a.value)));
}

export function checkNpmGemYarnGo(ctx: RuleContext): void {
  for (const run of ctx.runs) {
    let yarnInstall: ShellCommand | undefined;
    let yarnClean = false;
    for (const cmd of run.commands) {
      if (cmd.name === 'npm') checkNpm(ctx, cmd, run);
      if (cmd.name === 'gem' && subcommand(cmd) === 'install') {
        const versioned = hasFlag(cmd, 'v', 'version');
        const gems = packagesAfter(cmd, 'install', ['v', 'version', 'i', 'install-dir', 'n', 'bindir', 'source', 'platform']).filter((p) => !isOpaque(p));
        if (!versioned && gems.some((g) => !g.value.includes(':'))) reportCommand(ctx, 'DL3028', cmd, run);
      }
      if (isCommand(cmd, 'yarn', 'install')) yarnInstall ??= cmd;
      if (isCommand(cmd, 'yarn', 'cache') && cmd.args.some((a) => a.value === 'clean')) yarnClean = true;
      if (cmd.name === 'go' && subcommand(cmd) === 'install') {
        const pkgs = packagesAfter(cmd, 'install', ['C', 'o', 'p', 'tags', 'ldflags', 'gcflags', 'mod', 'modfile']).filter((p) => !isOpaque(p));
        const local = (p: string) => p === '.' || p.startsWith('./') || p.startsWith('../') || p.startsWith('/');
        if (pkgs.some((p) => !local(p.value) && (!p.value.includes('@') || p.value.endsWith('@latest')))) reportCommand(ctx, 'DL3062', cmd, run);
      }
    }
    if (yarnInstall && !yarnClean && !hasCacheMount(run, '/usr/local/share/.cache/yarn', '/root/.cache/yarn', '/root/.yarn')) reportCommand(ctx, 'DL3060', yarnInstall, run);
  }
}

function checkNpm(ctx: RuleContext, cmd: ShellCommand, run: RunShell): void {
  const words = positional(cmd, ['prefix', 'C', 'registry', 'cache', 'w', 'workspace']);
  if (!['install', 'i', 'add'].includes(words[0]?.value ?? '')) return;
  const pinned = (p: string) => {
    if (/^git(\+(ssh|https?))?:\/\//.test(p)) return p.includes('#');
    if (/\.(tar|tar\.gz|tgz)$/.test(p) || /^(\/|\.\/|\.\.\/|~\/)/.test(p)) return true;
    const unscoped = p.startsWith('@') ? p.slice(p.indexOf('/') + 1) : p;
    return unscoped.includes('@');
  };
  if (words.slice(1).some((p) => !isOpaque(p) && !pinned(p.value))) reportCommand(ctx, 'DL3016', cmd, run);
}
