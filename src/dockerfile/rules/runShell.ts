import { parseShell } from '../shell/shellParser';
import type { ShellCommand } from '../shell/shellSyntax';
import { LogicalText, type Dockerfile, type Instruction, type Position, type Range } from '../syntax';

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh', 'busybox']);

/**
 * The shell commands of one RUN: its shell form text, the bodies of its heredocs when a shell runs
 * them (`RUN <<EOF`, `RUN bash <<EOF`), or the script of an exec form `["sh", "-c", "..."]`.
 */
export class RunShell {
  readonly commands: ShellCommand[] = [];
  /** Pipes, as offsets with their source. */
  readonly pipes: { offset: number; source: LogicalText }[] = [];
  private readonly sources = new Map<ShellCommand, LogicalText>();
  /** The first place its shell nests deeper than the parser reads (MAX_SHELL_DEPTH). */
  tooDeep?: Range;

  constructor(readonly instruction: Instruction, private readonly doc: Dockerfile) {
    const json = instruction.json;
    if (json) {
      const values = json.values;
      const shellC = values.length >= 3 && SHELLS.has(basename(values[0])) && values[1] === '-c';
      if (shellC && instruction.text.text.slice(json.starts[2] + 1, json.ends[2] - 1) === values[2]) {
        // no escape in the JSON string: the script is the document's text, ranges and all
        this.add(instruction.text, json.starts[2] + 1, json.ends[2] - 1);
        return;
      }
      // otherwise its offsets are not the document's: ranges are approximate, kept inside the document by rangeOf
      const script = shellC ? values[2] : values.join(' ');
      const text = new LogicalText();
      const at = instruction.text.positionAt(json.starts[0] ?? instruction.argsStart);
      text.append(script, at.line, at.character);
      this.add(text, 0, script.length);
      return;
    }
    const before = this.commands.length;
    this.add(instruction.text, instruction.argsStart, instruction.text.text.length);
    const lineCommands = this.commands.slice(before);
    const runsShell = lineCommands.length === 0 || (lineCommands.length === 1 && SHELLS.has(lineCommands[0].name));
    if (!runsShell) return;
    for (const h of instruction.heredocs) {
      const text = new LogicalText();
      for (let line = h.bodyLine; line < h.endLine || (!h.terminated && line <= h.endLine); line++) {
        const raw = doc.lines[line] ?? '';
        const stripped = h.stripTabs ? raw.replace(/^\t+/, '') : raw;
        text.append(`${stripped}\n`, line, raw.length - stripped.length);
      }
      this.add(text, 0, text.text.length);
    }
  }

  private add(source: LogicalText, start: number, end: number): void {
    const script = parseShell(source.text, start, end);
    for (const c of script.commands) {
      this.commands.push(c);
      this.sources.set(c, source);
    }
    for (const p of script.pipes) this.pipes.push({ offset: p, source });
    if (script.tooDeep !== undefined) this.tooDeep ??= this.inDocument(source.rangeOf(Math.max(start, script.tooDeep - 1), script.tooDeep));
  }

  /**
   * From the command's name to its last word, inside the document: a quote left open in a heredoc
   * runs over its line breaks, and an escaped exec form's script has no exact place.
   */
  rangeOf(cmd: ShellCommand): Range {
    const source = this.sources.get(cmd)!;
    return this.inDocument(source.rangeOf(cmd.nameWord.start, Math.max(cmd.nameWord.end, cmd.args.at(-1)?.end ?? 0)));
  }

  private inDocument(range: Range): Range {
    const clamp = (p: Position): Position => {
      const line = Math.min(p.line, this.doc.lineCount - 1);
      return { line, character: Math.min(p.character, this.doc.lines[line].length) };
    };
    return { start: clamp(range.start), end: clamp(range.end) };
  }

  sourceOf(cmd: ShellCommand): LogicalText {
    return this.sources.get(cmd)!;
  }

  /** True when `set -o pipefail` (or `set -eo pipefail`) runs, at top level, before the first pipe. */
  setsPipefailBeforePipes(): boolean {
    const firstPipe = this.pipes[0];
    return this.commands.some((c) => c.name === 'set' && !c.nested
      && c.args.some((a, i) => a.value === 'pipefail' && /^-[a-z]*o$/.test(c.args[i - 1]?.value ?? ''))
      && (!firstPipe || this.sources.get(c) !== firstPipe.source || c.end <= firstPipe.offset));
  }
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
