/**
 * The syntax tree of a Dockerfile, as BuildKit reads it: parser directives, comments, and
 * instructions whose arguments may continue over several lines and carry heredocs. Positions are
 * 0-based lines and UTF-16 characters, as in VS Code and the Language Server Protocol.
 */

export interface Position {
  readonly line: number;
  readonly character: number;
}

export interface Range {
  readonly start: Position;
  readonly end: Position;
}

/**
 * The text of one instruction after its keyword, with continuation lines joined as BuildKit joins
 * them (escape character and line break removed, comment lines inside dropped). `positionAt` maps
 * an offset in `text` back to the source.
 */
export class LogicalText {
  /** The first segment, which most instructions have alone, without arrays. */
  private firstLine = 0;
  private firstChar = 0;
  private segments = 0;
  /** Parallel arrays for segments after the first: a segment starts at offset starts[i], at (lines[i], chars[i]). */
  private starts?: number[];
  private lines?: number[];
  private chars?: number[];
  text = '';

  append(fragment: string, line: number, character: number): void {
    if (this.segments === 0) {
      this.firstLine = line;
      this.firstChar = character;
    } else {
      if (!this.starts) {
        this.starts = [0];
        this.lines = [this.firstLine];
        this.chars = [this.firstChar];
      }
      this.starts.push(this.text.length);
      this.lines!.push(line);
      this.chars!.push(character);
    }
    this.segments++;
    this.text += fragment;
  }

  positionAt(offset: number): Position {
    const starts = this.starts;
    if (!starts) return { line: this.firstLine, character: this.firstChar + offset };
    const lines = this.lines!;
    const chars = this.chars!;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lines[lo], character: chars[lo] + offset - starts[lo] };
  }

  rangeOf(start: number, end: number): Range {
    return { start: this.positionAt(start), end: end > start ? this.endPositionAt(end) : this.positionAt(start) };
  }

  /** The position just after the character at offset-1 (an end never jumps to the next segment). */
  endPositionAt(offset: number): Position {
    const p = this.positionAt(offset - 1);
    return { line: p.line, character: p.character + 1 };
  }
}

/** A whitespace-separated argument; `value` has quotes removed and escapes applied. */
export interface Word {
  readonly raw: string;
  readonly value: string;
  /** Offsets in the instruction's LogicalText. */
  readonly start: number;
  readonly end: number;
}

/** `--name=value` (or a bare `--name`) before an instruction's arguments. */
export interface Flag {
  readonly name: string;
  readonly value?: string;
  readonly start: number;
  readonly end: number;
  /** Offset of the value (after `=`), when there is one. */
  readonly valueStart?: number;
}

export interface Heredoc {
  readonly name: string;
  /** `<<-`: leading tabs are stripped from the body and the terminator. */
  readonly stripTabs: boolean;
  /** `<<"EOF"` or `<<'EOF'`: no expansion in the body. */
  readonly quoted: boolean;
  readonly body: string;
  /** The first line of the body. */
  readonly bodyLine: number;
  /** From the `<<` marker offset in the instruction text. */
  readonly markerStart: number;
  readonly markerEnd: number;
  /** The line of the terminator; the last line of the file when unterminated. */
  readonly endLine: number;
  readonly terminated: boolean;
}

export interface JsonArgs {
  readonly values: readonly string[];
  /** Offsets of each element (quotes included) in the instruction text. */
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

export interface Instruction {
  /** Upper case, as the builder compares it. */
  readonly keyword: string;
  readonly keywordRange: Range;
  /** From the keyword to the end of its last line, heredoc terminators included. */
  readonly range: Range;
  readonly startLine: number;
  readonly endLine: number;
  /** Everything after the keyword. */
  readonly text: LogicalText;
  /** Offset in text of the first character after the keyword (0 unless this is an ONBUILD trigger). */
  readonly textStart: number;
  readonly flags: readonly Flag[];
  /** Offset in text where the arguments (after the flags) start. */
  readonly argsStart: number;
  /** Arguments after the flags, trimmed; continuation lines joined. */
  readonly argsText: string;
  readonly words: readonly Word[];
  /** Set when the arguments are a valid JSON array of strings (exec form). */
  readonly json?: JsonArgs;
  readonly heredocs: readonly Heredoc[];
  /** ONBUILD's instruction. */
  readonly trigger?: Instruction;
  /** Index in Dockerfile.instructions. */
  readonly index: number;
}

export interface Comment {
  readonly line: number;
  /** After the `#`, trimmed. */
  readonly text: string;
  readonly range: Range;
}

export interface Directive {
  /** Lower case: syntax, escape, check. */
  readonly name: string;
  readonly value: string;
  readonly line: number;
  readonly range: Range;
  readonly valueRange: Range;
}

export interface ParseProblem {
  readonly message: string;
  readonly range: Range;
}

export interface Dockerfile {
  readonly instructions: readonly Instruction[];
  readonly comments: readonly Comment[];
  readonly directives: readonly Directive[];
  /** The escape character in force: `\` or a backtick. */
  readonly escape: string;
  readonly lineCount: number;
  /** Problems the parser itself sees (unterminated heredocs, a bad escape directive). */
  readonly problems: readonly ParseProblem[];
  /** The source lines, line breaks removed. */
  readonly lines: readonly string[];
}
