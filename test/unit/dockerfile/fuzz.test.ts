import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { completionsAt } from '../../../src/dockerfile/completion';
import { formatDockerfile } from '../../../src/dockerfile/formatter';
import { hoverAt } from '../../../src/dockerfile/hover';
import { parseLintConfig } from '../../../src/dockerfile/lintConfig';
import { lintDockerfile, type LintOptions } from '../../../src/dockerfile/linter';
import { documentSymbols, foldingRanges, referencesAt, type DocumentSymbol } from '../../../src/dockerfile/navigation';
import { applyEdits, quickFixes } from '../../../src/dockerfile/quickFixes';
import type { Dockerfile, Range } from '../../../src/dockerfile/syntax';
import { rng } from '../../support/fuzz';
import { RULE_CASES } from './ruleCases';

/** 100,000 by default (about 20 s here); STEVEDORE_FUZZ_CASES=n runs more or fewer. */
const CASES = Number(process.env.STEVEDORE_FUZZ_CASES ?? 100_000);
const SEED = Number(process.env.STEVEDORE_FUZZ_SEED ?? 20261128);
/** A safety bound per file, far above the real figures (see bench/dockerfile). */
const BOUND_MS = 2000;

const SEEDS: string[] = [
  ...Object.values(RULE_CASES).flatMap((c) => [...c.hit, ...c.miss]),
  '# syntax=docker/dockerfile:1\n# escape=`\nFROM a `\n  AS b\nRUN echo `\n  hi\n',
  'FROM a\nRUN <<EOF bash\nset -e\ncase "$x" in a) echo ;; esac\nEOF\nCOPY <<-"X" <<Y /d/\n\tx\n\tX\ny\nY\n',
  'ARG A=1\nFROM ${A:-b}:${T} AS s\nONBUILD RUN --mount=type=cache,target=/c apt-get install x | y\nHEALTHCHECK --interval=1s CMD ["a"]\nSHELL ["pwsh", "-c"]\nRUN Get-Item | x\n',
];

/** Inputs found by this test that once crashed or hung something; kept as regular cases. */
const REGRESSIONS: string[] = [
  'RUN',
  'FROM a\nONBUILD',
  'FROM a\nRUN <<',
  'FROM a\nCOPY --from= x y',
  'FROM a\nRUN $((',
  'FROM a\nRUN echo `',
  'FROM a\n\\\n',
  '\ufeff\r\n\r\n',
  'FROM a\nRUN a \\',
  'FROM a AS\nCOPY --from=',
  'FROM\u0000a\nRUN\u0000x\u0000|\u0000y',
  '# hadolint ignore=\u2069DL3008\nFROM debian:12.a5\nRUN zypper dist-upgrade -y',
  // ranges past the end of their line: an unterminated quote or a trailing escape in RUN
  'RUN wget\'',
  'FROM a\nRUN wget "x',
  'FROM a\nRUN sudo x\\',
  'FROM a\nRUN ["sh", "-c", "wget \'"]',
  'FROM a\nRUN ["sh", "-c", \\\n  "wget aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]',
  'FROM a\nRUN ["wget", \\\n "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]',
  'FROM a\nRUN ["sh", "-c", "echo \\"x\\" && wget aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]',
  'FROM a\nRUN <<EOF\nwget \'\nEOF\n',
  '\ufeffFROM debian:\n12.\u0d3a5\nRUN zypper install -y h\'ttpd=2.4 && zypper clean',
  // nested deeper than the shell parser descends (it once overflowed the stack at 1,876)
  `FROM a\nRUN ${'$('.repeat(1876)}`,
  `FROM a\nONBUILD ${'ONBUILD '.repeat(5000)}RUN x`,
  `FROM a\nRUN ["sh", "-c", "\\u0024(${'$('.repeat(300)}"]`,
  `FROM a\nRUN <<EOF\n${'$('.repeat(300)}\nEOF\n`,
];

const TOKENS = ['\\\n', '\\', '\n', '\r\n', '\r', '\t', ' ', '\u0000', '\ufeff', '"', "'", '`', '$', '${', '$(', '$((', ')', '}', '(', '[', ']', '{', ',', '=', '#', '# hadolint ignore=DL3008\n',
  '<<EOF\n', '<<-EOF', 'EOF\n', '<<"X"', '|', '||', '&&', ';', '&', '>', '2>&1', '--mount=type=cache,target=/x', '--from=', '--platform=$BUILDPLATFORM', '-', '--', 'AS ', ' as ',
  'FROM ', 'RUN ', 'COPY ', 'ADD ', 'ENV ', 'ARG ', 'LABEL ', 'ONBUILD ', 'HEALTHCHECK ', 'SHELL ', 'CMD ', 'apt-get install ', 'pip install ', 'case ', ' in ', 'esac', 'if ', 'fi', 'sudo ', 'cd ', 'é', '😀'];

/** Openers (with their closers) nested up to 2,500 deep: past the shell parser's depth limit (200) and where the stack once overflowed (1,876). */
const NESTERS: readonly [string, string][] = [['$(', ')'], ['${', '}'], ['$((', '))'], ['`', '`'], ['\\`', '\\`'], ['"$(', ')"'], ['( ', ' )'], ['$(echo `', '`)'],
  ["'", "'"], ['"', '"'], ['{ ', '; }'], ['<<EOF\n', 'EOF\n'], ['ONBUILD ', ''], ['$(cat <<X\n', 'X\n)']];

function mutate(random: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  let text = pick(SEEDS);
  const rare = random();
  if (rare < 0.0005) text += `RUN echo ${'x'.repeat(20_000 + Math.floor(random() * 80_000))}\n`;
  else if (rare < 0.001) text += `RUN a${' \\\n  b'.repeat(500 + Math.floor(random() * 3000))}\n`;
  else if (rare < 0.0015) text = `FROM a\n${'RUN x | y\n'.repeat(500)}`;
  else if (rare < 0.0045) {
    const [open, close] = pick(NESTERS);
    const depth = pick([10, 199, 200, 201, 2000, 2500]) + Math.floor(random() * 20);
    text += `RUN ${open.repeat(depth)}sudo apt-get install x${random() < 0.5 ? close.repeat(depth) : ''}\n`;
  }
  const edits = 1 + Math.floor(random() * 6);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(random() * (text.length + 1));
    const r = random();
    if (r < 0.45) text = text.slice(0, at) + pick(TOKENS) + text.slice(at);
    else if (r < 0.6) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 12));
    else if (r < 0.7) text = text.slice(0, at) + pick(SEEDS) + text.slice(at);
    else if (r < 0.8) {
      const from = Math.floor(random() * text.length);
      text = text.slice(0, at) + text.slice(from, from + Math.floor(random() * 40)) + text.slice(at);
    } else if (r < 0.85) text = text.replace(/\n/g, '\r\n');
    else if (r < 0.9) text = `\ufeff${text}`;
    else text = text.slice(0, at) + String.fromCharCode(Math.floor(random() * 0x3000)) + text.slice(at);
  }
  return text;
}

const CONFIG: LintOptions = {
  config: parseLintConfig('trustedRegistries: [docker.io, "*.example.com"]\nlabel-schema: {version: semver, url: url, created: rfc3339, license: spdx, rev: hash, mail: email}\nstrict-labels: true'),
  severities: { DL1001: 'info', DL3057: 'info' },
};

/** Throws unless the range is inside the document, start before end. */
function inDocument(doc: Dockerfile, range: Range, what: string): void {
  for (const p of [range.start, range.end]) {
    if (!(p.line >= 0 && p.line < doc.lineCount && p.character >= 0 && p.character <= doc.lines[p.line].length)) {
      throw new Error(`${what} ${JSON.stringify(range)} is outside the document (line ${p.line} has ${doc.lines[p.line]?.length} characters)`);
    }
  }
  if (range.start.line > range.end.line || (range.start.line === range.end.line && range.start.character > range.end.character)) throw new Error(`${what} ${JSON.stringify(range)} ends before it starts`);
}

function symbolsInDocument(doc: Dockerfile, symbols: readonly DocumentSymbol[]): void {
  for (const s of symbols) {
    inDocument(doc, s.range, 'symbol');
    inDocument(doc, s.selectionRange, 'symbol selection');
    symbolsInDocument(doc, s.children);
  }
}

/** Everything the editor and the CLI do with a text. Throws whatever any part throws, or when a range leaves the document. */
function exercise(text: string, random: () => number, options: LintOptions = random() < 0.3 ? CONFIG : {}): void {
  const result = lintDockerfile(text, options);
  const { model, doc } = result;
  for (const f of result.findings) inDocument(doc, f.range, `${f.rule} diagnostic`);
  for (let i = 0; i < 3; i++) {
    const line = Math.floor(random() * (doc.lineCount + 1));
    const character = Math.floor(random() * ((doc.lines[line]?.length ?? 0) + 2));
    const hover = hoverAt(model, { line, character });
    if (hover) inDocument(doc, hover.range, 'hover');
    for (const c of completionsAt(model, { line, character }, { images: ['busybox:local'] })) if (line < doc.lineCount && character <= doc.lines[line].length) inDocument(doc, c.range, 'completion');
    for (const r of referencesAt(model, { line, character }, true)) inDocument(doc, r, 'reference');
  }
  symbolsInDocument(doc, documentSymbols(model));
  for (const f of foldingRanges(model)) if (!(f.startLine >= 0 && f.startLine <= f.endLine && f.endLine < doc.lineCount)) throw new Error(`folding ${JSON.stringify(f)} is outside the document`);
  const formatting = formatDockerfile(doc);
  for (const e of formatting) inDocument(doc, e.range, 'formatting edit');
  applyEdits(text, formatting);
  for (const f of result.findings.slice(0, 2)) {
    for (const fix of quickFixes(model, f)) {
      for (const e of fix.edits) inDocument(doc, e.range, `${f.rule} quick fix edit`);
      lintDockerfile(applyEdits(text, fix.edits));
    }
  }
}

describe('fuzz: generated and mutated Dockerfiles', () => {
  test('the regressions found so far', () => {
    const random = rng(1);
    for (const text of REGRESSIONS) {
      exercise(text, random, {});
      exercise(text, random, CONFIG);
    }
  });

  test(`${CASES} inputs: no exception, each within ${BOUND_MS} ms (seed ${SEED})`, () => {
    const random = rng(SEED);
    let slowest = 0;
    let slowestInput = '';
    const started = performance.now();
    for (let i = 0; i < CASES; i++) {
      const text = mutate(random);
      const t = performance.now();
      try {
        exercise(text, random);
      } catch (err) {
        assert.fail(`case ${i} threw ${(err as Error).stack}\ninput: ${JSON.stringify(text.length > 2000 ? `${text.slice(0, 2000)}…` : text)}`);
      }
      const ms = performance.now() - t;
      if (ms > slowest) {
        slowest = ms;
        slowestInput = text;
      }
      assert.ok(ms < BOUND_MS, `case ${i} took ${ms.toFixed(0)} ms: ${JSON.stringify(text.slice(0, 300))}`);
    }
    console.log(`# fuzz: ${CASES} inputs in ${((performance.now() - started) / 1000).toFixed(1)} s; slowest ${slowest.toFixed(1)} ms (${slowestInput.length} characters)`);
  });
});
