/**
 * Reads a stream of JSON documents, one per line, split across chunks arbitrarily (the Docker
 * Engine API's /events and its pull, push and build progress). Lines that are not JSON are skipped.
 */
export async function* readJsonLines(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<unknown> {
  let pending = '';
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      const value = parseLine(line);
      if (value !== undefined) yield value;
    }
  }
  const last = parseLine(pending);
  if (last !== undefined) yield last;
}

function parseLine(line: string): unknown {
  const text = line.trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
