import type { BuildEvent } from '../engine';
import { readJsonLines } from './jsonLines';

interface ApiBuildLine {
  stream?: string;
  status?: string;
  aux?: { ID?: string };
  error?: string;
  errorDetail?: { message?: string };
}

/** Docker says "Step 2/5 : RUN ..."; Podman says "STEP 2/5: RUN ...". */
const STEP = /^(?:Step|STEP) (\d+)\/(\d+) ?: ?(.*)$/;

/**
 * Reads the classic builder's JSON stream into BuildEvents. A failure arrives as a line with
 * `error`: it is thrown as `fail(message, lastStep)` so the caller can point at the instruction.
 */
export async function* parseBuildStream(chunks: AsyncIterable<Buffer | string>, fail: (message: string, step: number | undefined) => Error): AsyncGenerator<BuildEvent> {
  let step: number | undefined;
  let imageId: string | undefined;
  for await (const value of readJsonLines(chunks)) {
    if (!value || typeof value !== 'object') continue;
    const line = value as ApiBuildLine;
    const error = line.errorDetail?.message ?? line.error;
    if (error) throw fail(error.trim(), step);
    if (line.aux?.ID) imageId = line.aux.ID;
    const text = line.stream ?? line.status;
    if (!text) continue;
    const m = STEP.exec(text.trim());
    if (m) {
      step = Number(m[1]);
      yield { kind: 'step', step, total: Number(m[2]), instruction: m[3] };
    } else {
      const built = /^Successfully built ([0-9a-f]{12,})/.exec(text.trim());
      if (built && !imageId) imageId = built[1];
      yield { kind: 'output', text };
    }
  }
  if (!imageId) throw fail('the build ended without an image', step);
  yield { kind: 'done', imageId };
}
