/** A build that stopped: a Dockerfile error or a failing step, with the Dockerfile line (1-based) when it has one. */
export class BuildError extends Error {
  constructor(message: string, readonly line?: number, readonly exitCode?: number) {
    super(line === undefined ? message : `Dockerfile:${line}: ${message}`);
  }

  /** The same error located at `line`, unless it has a line already. */
  at(line: number): BuildError {
    return this.line === undefined ? new BuildError(this.message, line, this.exitCode) : this;
  }
}
