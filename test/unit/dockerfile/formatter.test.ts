import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDockerfile } from '../../../src/dockerfile/dockerfileParser';
import { formatDockerfile } from '../../../src/dockerfile/formatter';
import { applyEdits } from '../../../src/dockerfile/quickFixes';
import type { Dockerfile } from '../../../src/dockerfile/syntax';

const format = (text: string) => applyEdits(text, formatDockerfile(parseDockerfile(text)));

/** What the builder reads: keywords (any case), flags, arguments and heredoc bodies. */
function meaning(doc: Dockerfile): unknown {
  return doc.instructions.map((i) => {
    const args = i.keyword === 'FROM' ? i.words.map((w) => (/^as$/i.test(w.value) ? 'AS' : w.value)) : i.trigger ? [i.trigger.keyword, i.trigger.argsText] : i.argsText;
    return [i.keyword, i.flags.map((f) => [f.name, f.value]), args, i.heredocs.map((h) => h.body)];
  });
}

const MESSY = `# syntax=docker/dockerfile:1   
   from   debian:12 as   base  


run   apt-get update \\   
    && echo "  keep   this  \\
   spaced  "    
  onbuild   copy . /src
RUN <<EOF   
trailing spaces stay here   
EOF
env A=1   


`;

describe('formatting', () => {
  test('upper-cases keywords, trims indentation, trailing spaces and blank runs', () => {
    assert.equal(format(MESSY), `# syntax=docker/dockerfile:1
FROM debian:12 AS   base

RUN apt-get update \\
    && echo "  keep   this  \\
   spaced  "
ONBUILD COPY . /src
RUN <<EOF
trailing spaces stay here   
EOF
ENV A=1
`);
  });

  test('never changes what the builder reads, and is idempotent', () => {
    const once = format(MESSY);
    assert.deepEqual(meaning(parseDockerfile(once)), meaning(parseDockerfile(MESSY)));
    assert.equal(format(once), once);
  });

  test('range formatting touches only the lines asked for', () => {
    const text = 'from a\nrun x\nrun y';
    assert.equal(applyEdits(text, formatDockerfile(parseDockerfile(text), { start: 1, end: 1 })), 'from a\nRUN x\nrun y');
  });
});
