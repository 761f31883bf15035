/**
 * Where each instruction of a Dockerfile starts (0-based line numbers), in order: the classic
 * builder's "Step N" is the Nth. Skips comments, blank lines and parser directives, follows line
 * continuations (the `escape` directive's character) and heredoc bodies.
 */
export function instructionLines(text: string): number[] {
  const lines = text.split(/\r?\n/);
  const escape = /^#\s*escape\s*=\s*`/im.test(lines.slice(0, 5).join('\n')) ? '`' : '\\';
  const starts: number[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i].trim();
    if (!line || line.startsWith('#')) {
      i++;
      continue;
    }
    starts.push(i);
    const heredocs = [...line.matchAll(/<<-?\s*["']?([A-Za-z_][A-Za-z0-9_]*)["']?/g)].map((m) => m[1]);
    // Follow continuations to the instruction's last line.
    while (lines[i].trimEnd().endsWith(escape) && i + 1 < lines.length) {
      i++;
      heredocs.push(...[...lines[i].matchAll(/<<-?\s*["']?([A-Za-z_][A-Za-z0-9_]*)["']?/g)].map((m) => m[1]));
    }
    i++;
    for (const word of heredocs) {
      while (i < lines.length && lines[i].trim() !== word) i++;
      i++;
    }
  }
  return starts;
}

/** Stage names (`FROM image AS name`), in order. */
export function stageNames(text: string): string[] {
  return [...text.matchAll(/^\s*FROM\s+(?:--\S+\s+)*\S+\s+AS\s+(\S+)\s*$/gim)].map((m) => m[1]);
}
