/** What the shell parser gives the rules: the simple commands of a script, as the shell runs them. */

export interface ShellWord {
  /** Quotes removed, escapes applied; expansions ($VAR, ${VAR}, $(...)) kept as written. */
  readonly value: string;
  /** Offsets in the text given to the parser. */
  readonly start: number;
  readonly end: number;
  readonly quoted: boolean;
  /** Holds a parameter expansion or command substitution: its value is known only at build time. */
  readonly expands: boolean;
}

export interface ShellCommand {
  /** The command's base name: `/usr/bin/apt-get` is `apt-get`. */
  readonly name: string;
  readonly nameWord: ShellWord;
  /** The words after the name, redirections left out. */
  readonly args: readonly ShellWord[];
  /** Prefix commands that ran it: `sudo apt-get install` has name apt-get and wrappers [sudo]. */
  readonly wrappers: readonly string[];
  /** `NAME=value` words set for this command only (before it, or given to `env`), quotes removed. */
  readonly assignments: readonly string[];
  /** The span of the whole simple command, assignments and wrappers included. */
  readonly start: number;
  readonly end: number;
  /** Inside `( ... )`, `$( ... )` or backticks: it does not change the RUN's own shell state. */
  readonly nested: boolean;
}

export interface ShellScript {
  readonly commands: readonly ShellCommand[];
  /** Offsets of each `|` or `|&` that joins a pipeline. */
  readonly pipes: readonly number[];
  /** Offsets of the `&&`, `||`, `;` and newlines that separate top-level commands. */
  readonly separators: readonly number[];
  /** Where the script nests deeper than the parser descends (MAX_SHELL_DEPTH); the rest was not read. */
  readonly tooDeep?: number;
}
