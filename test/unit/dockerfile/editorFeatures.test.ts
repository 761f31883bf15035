import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { completionsAt } from '../../../src/dockerfile/completion';
import { hoverAt } from '../../../src/dockerfile/hover';
import { lintDockerfile } from '../../../src/dockerfile/linter';
import { definitionAt, documentSymbols, foldingRanges, referencesAt, renameAt } from '../../../src/dockerfile/navigation';
import { applyEdits } from '../../../src/dockerfile/quickFixes';

const TEXT = `ARG BASE=debian:12
FROM \${BASE} AS build
ARG BASE
ENV APP=/app
RUN --mount=type=cache,target=/c make \\
    -C $APP
FROM build AS test
COPY --from=build /app /app
FROM scratch
COPY --from=build /app/bin /bin
`;
const model = lintDockerfile(TEXT).model;
const at = (line: number, character: number) => ({ line, character });

describe('hover', () => {
  test('an instruction keyword shows our doc with its forms, an example and the common mistake', () => {
    const h = hoverAt(model, at(4, 1))!;
    assert.equal(h.kind, 'text');
    assert.match(h.markdown, /^\*\*RUN\*\* — Runs a command/);
    assert.match(h.markdown, /Example:/);
    assert.match(h.markdown, /Common mistake:/);
  });

  test('every instruction and every flag has a doc', async () => {
    const { INSTRUCTION_DOCS } = await import('../../../src/dockerfile/instructionDocs');
    const { FLAGS, INSTRUCTIONS } = await import('../../../src/dockerfile/rules/buildRules');
    for (const k of INSTRUCTIONS) assert.ok(INSTRUCTION_DOCS[k], k);
    for (const [k, flags] of Object.entries(FLAGS)) for (const f of flags) assert.ok(INSTRUCTION_DOCS[k].flags?.[f], `${k} --${f}`);
  });

  test('a flag shows its doc', () => {
    assert.match(hoverAt(model, at(4, 8))!.markdown, /^\*\*RUN --mount\*\*/);
  });

  test('$VAR shows where it is defined and its value there', () => {
    const h = hoverAt(model, at(5, 9))!;
    assert.match(h.markdown, /\*\*\$APP\*\* — ENV on line 4\s+value here: `\/app`/);
    const base = hoverAt(model, at(1, 7))!;
    assert.match(base.markdown, /ARG on line 1 \(before the first FROM\)[\s\S]*`debian:12`/);
  });

  test('a FROM image is an image hover (the editor adds what the engine knows); a stage name shows the stage', () => {
    const img = hoverAt(lintDockerfile('FROM nginx:1.25 AS web').model, at(0, 7))!;
    assert.equal(img.kind, 'image');
    assert.equal(img.kind === 'image' && img.image, 'nginx:1.25');
    assert.match(hoverAt(model, at(6, 6))!.markdown, /Stage build/);
  });
});

describe('completion', () => {
  test('instructions at the start of a line', () => {
    const items = completionsAt(model, at(10, 0));
    assert.ok(items.some((i) => i.label === 'HEALTHCHECK' && i.kind === 'instruction'));
  });

  test('flags of the current instruction, stage names after --from=, variables after $', () => {
    const m = lintDockerfile('FROM a AS one\nFROM b AS two\nARG X=1\nCOPY --\nCOPY --from=\nRUN echo $').model;
    assert.deepEqual(completionsAt(m, at(3, 7)).map((i) => i.label), ['--from', '--chown', '--chmod', '--link', '--parents', '--exclude']);
    assert.deepEqual(completionsAt(m, at(4, 12)).map((i) => i.label), ['one', 'two']);
    assert.equal(completionsAt(m, at(5, 10))[0].label, 'X');
  });

  test('after FROM: earlier stages and the engine\'s images', () => {
    const m = lintDockerfile('FROM a AS one\nFROM ').model;
    assert.deepEqual(completionsAt(m, at(1, 5), { images: ['busybox:local'] }).map((i) => `${i.kind}:${i.label}`), ['stage:one', 'image:busybox:local']);
  });
});

describe('navigation', () => {
  test('symbols: global ARGs, then stages with their instructions', () => {
    const symbols = documentSymbols(model);
    assert.deepEqual(symbols.map((s) => s.name), ['ARG', 'build', 'test', 'stage 2']);
    assert.deepEqual(symbols[1].children.map((c) => c.name), ['ARG', 'ENV', 'RUN']);
  });

  test('definition and references of a stage and of a variable', () => {
    assert.deepEqual(definitionAt(model, at(7, 13)), { start: at(1, 16), end: at(1, 21) });
    assert.equal(referencesAt(model, at(1, 18), true).length, 4);
    assert.deepEqual(definitionAt(model, at(5, 9)), { start: at(3, 4), end: at(3, 7) });
  });

  test('renaming a stage renames every use, and refuses a name that is taken or invalid', () => {
    const renamed = applyEdits(TEXT, renameAt(model, at(1, 18), 'compile'));
    assert.equal((renamed.match(/compile/g) ?? []).length, 4);
    assert.ok(!/\bbuild\b/.test(renamed));
    assert.throws(() => renameAt(model, at(1, 18), 'test'), /already exists/);
    assert.throws(() => renameAt(model, at(1, 18), '9lives'), /not a valid stage name/);
  });

  test('folding: stages and multi-line instructions', () => {
    const ranges = foldingRanges(model).map((f) => `${f.startLine}-${f.endLine}`);
    assert.ok(ranges.includes('1-5') && ranges.includes('4-5'));
  });
});

describe('hover, variables in values and images', () => {
  test('a value built from other variables shows what it expands to', () => {
    const m = lintDockerfile('FROM a\nARG V=1.2\nENV DIR=/opt/app-$V\nENV BIN=${DIR}/bin\nRUN echo $BIN').model;
    assert.match(hoverAt(m, at(4, 11))!.markdown, /ENV on line 4 {2}\nvalue here: `\$\{DIR\}\/bin` = `\/opt\/app-1\.2\/bin`/);
  });

  test('FROM ${BASE} is resolved with the ARG defaults, so the engine can be asked about that image', () => {
    const h = hoverAt(lintDockerfile('ARG REPO=debian\nARG TAG=12\nFROM ${REPO}:${TAG:-11}').model, at(2, 7))!;
    assert.equal(h.kind, 'image');
    assert.equal(h.kind === 'image' && h.image, 'debian:12');
    const unknown = hoverAt(lintDockerfile('ARG BASE\nFROM $BASE').model, at(1, 7))!;
    assert.equal(unknown.kind, 'text');
    assert.match(unknown.markdown, /known only at build time/);
  });
});
