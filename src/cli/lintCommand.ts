import fs from 'node:fs';
import v8 from 'node:v8';
import path from 'node:path';
import { isDockerfileName } from '../dockerfile/dockerfileNames';
import { LintConfigError, type LintConfig, type Threshold } from '../dockerfile/lintConfig';
import { findLintConfigFile, readLintConfigFile } from '../dockerfile/lintConfigFile';
import { lintDockerfileSafely } from '../dockerfile/linter';
import { atLeast } from '../dockerfile/rules/ruleTypes';
import { printable } from '../engine/humanize';
import { CliError, type CliCommand } from './cliCommand';
import { FORMATS, formatFindings, type FileFindings, type Format } from './lintFormats';

const THRESHOLDS = ['error', 'warning', 'info', 'style', 'ignore', 'none'];
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.hg', '.svn']);
const VERSION = '0.1.0';
const READ_ERRORS: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EPERM: 'permission denied', EISDIR: 'it is a directory', ENOTDIR: 'not a directory' };

const HELP = `Usage: stevedore lint [options] [paths...]

Lints Dockerfiles with hadolint's DL rules and the checks a build makes. A directory is searched
for Dockerfile, Containerfile, *.Dockerfile, *.containerfile and Dockerfile.*; "-" reads standard
input; no path means ".".

Options:
  -f, --format FORMAT            tty (default), json, sarif, checkstyle, gnu
  -c, --config FILE              a hadolint configuration (default: .hadolint.yaml here, then
                                 hadolint's own places)
      --ignore RULE              leave out a rule (repeatable)
  -t, --failure-threshold LEVEL  exit 1 when a finding is at least this severe: error, warning,
                                 info (default), style, ignore, none
      --no-color                 no colour in tty output (also NO_COLOR=1)

Exit codes: 0 no finding at the threshold, 1 findings at the threshold, 2 bad usage or unreadable input.`;

interface LintArgs {
  paths: string[];
  format: Format;
  config?: string;
  ignore: string[];
  threshold?: Threshold;
  colour: boolean;
  help: boolean;
}

function parseArgs(args: readonly string[]): LintArgs {
  const out: LintArgs = { paths: [], format: 'tty', ignore: [], colour: process.stdout.isTTY && !process.env.NO_COLOR, help: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = args[++i];
      if (v === undefined) throw new CliError(`${name} needs a value\n\n${HELP}`, 2);
      return v;
    };
    switch (name) {
      case '-h':
      case '--help':
        out.help = true;
        break;
      case '-f':
      case '--format': {
        const f = value();
        if (!(FORMATS as readonly string[]).includes(f)) throw new CliError(`unknown format "${f}": use ${FORMATS.join(', ')}`, 2);
        out.format = f as Format;
        break;
      }
      case '-c':
      case '--config':
        out.config = value();
        break;
      case '--ignore':
        out.ignore.push(...value().split(',').filter(Boolean));
        break;
      case '-t':
      case '--failure-threshold': {
        const t = value();
        if (!THRESHOLDS.includes(t)) throw new CliError(`unknown failure threshold "${t}": use ${THRESHOLDS.join(', ')}`, 2);
        out.threshold = t as Threshold;
        break;
      }
      case '--no-color':
      case '--no-colour':
        out.colour = false;
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') throw new CliError(`unknown option "${arg}"\n\n${HELP}`, 2);
        out.paths.push(arg);
    }
  }
  return out;
}

/** A file system error as a user reads it, without Node's own text. */
function whyUnreadable(err: unknown): string {
  return READ_ERRORS[(err as NodeJS.ErrnoException).code ?? ''] ?? 'unreadable';
}

/** The Dockerfiles under each path, in a stable order; a file named explicitly is linted whatever its name. */
function collectFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      throw new CliError(`cannot read the directory ${printable(dir, true)}: ${whyUnreadable(err)}`, 2);
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = path.join(dir, e.name);
      if (e.isDirectory() && !SKIPPED_DIRS.has(e.name)) walk(full);
      else if (e.isFile() && isDockerfileName(e.name)) files.push(full);
    }
  };
  for (const p of paths) {
    if (p === '-') {
      files.push(p);
      continue;
    }
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      throw new CliError(`${printable(p, true)}: no such file or directory`, 2);
    }
    if (stat.isDirectory()) walk(p);
    else files.push(p);
  }
  return files;
}

function loadConfig(file: string | undefined): LintConfig | undefined {
  const found = file ?? findLintConfigFile(process.cwd());
  if (!found) return undefined;
  try {
    return readLintConfigFile(found);
  } catch (err) {
    if (err instanceof LintConfigError) throw new CliError(err.message, 2);
    throw new CliError(`cannot read the configuration ${printable(found, true)}: ${whyUnreadable(err)}`, 2);
  }
}

/**
 * A CI lint of a few hundred kilobytes is over before V8's optimising compiler pays off: its
 * compile work doubled the run (`npm run bench:dockerfile`: 100 files in ~330 ms, ~190 ms without
 * it). Megabytes of Dockerfiles still get it (20 files of 10,000 lines: 2.7 s with it, 4.6 s without).
 */
function preferBaselineCompiler(files: readonly string[]): void {
  let bytes = 0;
  for (const file of files) bytes += file === '-' ? 0 : (fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0);
  if (bytes < 1024 * 1024) v8.setFlagsFromString('--no-opt');
}

export const lintCommand: CliCommand = {
  name: 'lint',
  summary: 'lint Dockerfiles like hadolint [paths...] [--format tty|json|sarif|checkstyle|gnu]',
  run(args) {
    const options = parseArgs(args);
    if (options.help) {
      process.stdout.write(`${HELP}\n`);
      return Promise.resolve(0);
    }
    const config = loadConfig(options.config);
    const files = collectFiles(options.paths.length ? options.paths : ['.']);
    preferBaselineCompiler(files);
    const results: FileFindings[] = [];
    let unreadable = 0;
    for (const file of files) {
      let text: string;
      try {
        text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
      } catch (err) {
        process.stderr.write(`stevedore: cannot read ${printable(file, true)}: ${whyUnreadable(err)}\n`);
        unreadable++;
        continue;
      }
      const findings = lintDockerfileSafely(text, { config, ignore: options.ignore }).findings;
      const relative = file === '-' ? '' : path.relative(process.cwd(), file);
      results.push({ file: relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file, findings });
    }
    process.stdout.write(formatFindings(options.format, results, { colour: options.colour, version: VERSION }));
    const threshold = options.threshold ?? config?.failureThreshold ?? 'info';
    const failed = threshold !== 'none' && results.some((r) => r.findings.some((f) => atLeast(f.severity, threshold)));
    if (unreadable) return Promise.resolve(2);
    return Promise.resolve(failed ? 1 : 0);
  },
};
