import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDockerfile } from '../../../src/dockerfile/dockerfileParser';

describe('the Dockerfile parser', () => {
  test('continuations join as BuildKit joins them; comment and empty lines inside are dropped', () => {
    const doc = parseDockerfile('FROM a\nRUN echo one \\\n# a comment\n\n    two');
    const run = doc.instructions[1];
    assert.equal(run.argsText, 'echo one     two');
    assert.deepEqual([run.startLine, run.endLine], [1, 4]);
    assert.deepEqual(run.text.positionAt(run.text.text.indexOf('two')), { line: 4, character: 4 });
  });

  test('CRLF, a BOM and tabs', () => {
    const doc = parseDockerfile('\ufeffFROM\ta:1\r\nRUN\techo \\\r\n  hi\r\n');
    assert.deepEqual(doc.instructions.map((i) => [i.keyword, i.argsText]), [['FROM', 'a:1'], ['RUN', 'echo   hi']]);
  });

  test('parser directives only at the top; the escape directive changes the continuation character', () => {
    const doc = parseDockerfile('# syntax=docker/dockerfile:1\n# escape=`\nFROM a\nRUN dir `\n  C:\\\n# escape=\\');
    assert.deepEqual(doc.directives.map((d) => [d.name, d.value]), [['syntax', 'docker/dockerfile:1'], ['escape', '`']]);
    assert.equal(doc.instructions[1].argsText, 'dir   C:\\');
  });

  test('flags, words, exec form', () => {
    const doc = parseDockerfile('FROM a\nCOPY --from=b --chown="1:1" "x y" z /d/\nCMD ["a", "b c"]\nCMD [not json]');
    const copy = doc.instructions[1];
    assert.deepEqual(copy.flags.map((f) => [f.name, f.value]), [['from', 'b'], ['chown', '1:1']]);
    assert.deepEqual(copy.words.map((w) => w.value), ['x y', 'z', '/d/']);
    assert.deepEqual(doc.instructions[2].json?.values, ['a', 'b c']);
    assert.equal(doc.instructions[3].json, undefined);
  });

  test('ONBUILD holds its trigger instruction', () => {
    const [, onbuild] = parseDockerfile('FROM a\nonbuild run --mount=type=cache,target=/c make').instructions;
    assert.equal(onbuild.trigger?.keyword, 'RUN');
    assert.equal(onbuild.trigger?.flags[0].name, 'mount');
    assert.equal(onbuild.trigger?.argsText, 'make');
  });

  test('several heredocs on one line, <<- strips tabs, here-strings are not heredocs', () => {
    const doc = parseDockerfile('FROM a\nRUN <<A cat - <<-B\none\nA\n\ttwo\n\tB\nRUN cat <<<"x"\nRUN echo done');
    assert.deepEqual(doc.instructions[1].heredocs.map((h) => [h.name, h.body]), [['A', 'one\n'], ['B', 'two\n']]);
    assert.deepEqual(doc.instructions.map((i) => i.keyword), ['FROM', 'RUN', 'RUN', 'RUN']);
  });
});

describe('Dockerfile names', () => {
  test('Dockerfile, Containerfile, *.Dockerfile, *.containerfile, Dockerfile.*; not their ignore files', async () => {
    const { isDockerfileName } = await import('../../../src/dockerfile/dockerfileNames');
    for (const yes of ['Dockerfile', 'Containerfile', 'api.Dockerfile', 'web.containerfile', 'Dockerfile.dev', 'dockerfile']) assert.ok(isDockerfileName(yes), yes);
    for (const no of ['Dockerfile.dockerignore', 'api.Dockerfile.dockerignore', '.dockerignore', 'README.md', 'Dockerfiles']) assert.ok(!isDockerfileName(no), no);
  });
});
