import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FORMATS, formatFindings, type FileFindings } from '../../../src/cli/lintFormats';
import { lintDockerfile, lintDockerfileSafely } from '../../../src/dockerfile/linter';
import { assertClean } from '../../support/hostile';
import { assertValidXml } from '../../support/lintOutput';

/** An instruction keyword that clears the line, returns the cursor and prints a fake line, with what XML cannot hold. */
const HOSTILE_KEYWORD = '\x1b[2K\rverified\x07OK\u009b31m\uffff\ufffe\ud800\x01\u2028';
const HOSTILE_FILE = 'evil\x1b]0;title\x07\r\n.Dockerfile';

function hostileResults(): FileFindings[] {
  const findings = lintDockerfile(`FROM debian:12\n${HOSTILE_KEYWORD} x\n`).findings;
  assert.ok(findings.some((f) => f.rule === 'DF001' && f.message.includes('\x1b[2K\r')), 'the message carries the Dockerfile text');
  return [{ file: HOSTILE_FILE, findings }, { file: 'good/Dockerfile', findings: lintDockerfile('FROM debian\n').findings }];
}

describe('lint output formats with hostile Dockerfile text and file names', () => {
  const results = hostileResults();
  const count = results.reduce((n, r) => n + r.findings.length, 0);

  for (const format of FORMATS) {
    test(`${format}: no raw control character reaches the output, and it stays valid for its format`, () => {
      const out = formatFindings(format, results, { colour: false, version: '0' });
      assertClean(out, format);
      if (format !== 'tty' && format !== 'gnu') assert.ok(!out.includes('\ud800'), 'a lone surrogate is escaped: the output stays valid UTF-8');
      if (format === 'tty' || format === 'gnu') {
        assert.equal(out.split('\n').length - 1, count, 'one line per finding: no fake line');
        assert.match(out, /\\x1b\[2K\\x0dVERIFIED\\x07OK/);
        assert.ok(out.includes('good/Dockerfile:1:6 DL3006') || out.includes('stevedore:good/Dockerfile:1:6: DL3006'));
      }
      if (format === 'json') {
        const parsed = JSON.parse(out) as { message: string; file: string }[];
        assert.deepEqual(parsed.map((f) => [f.file, f.message]), results.flatMap((r) => r.findings.map((f) => [r.file, f.message])), 'the same text, escaped only');
      }
      if (format === 'sarif') {
        const parsed = JSON.parse(out) as { runs: { results: { message: { text: string } }[] }[] };
        assert.deepEqual(parsed.runs[0].results.map((r) => r.message.text), results.flatMap((r) => r.findings.map((f) => f.message)));
      }
      if (format === 'checkstyle') {
        assertValidXml(out);
        assert.match(out, /message="Unknown instruction &#34;\\x1b\[2K\\x0dVERIFIED\\x07OK\\x9b31M\\uffff\\ufffe\\ud800\\x01\\u2028&#34;\./);
      }
    });
  }

  test('the XML check itself rejects what checkstyle once wrote', () => {
    for (const bad of ['<a b="\uffff"/>', '<a b="&#1;"/>', '<a b="\x01"/>', '<a b="\ud800"/>', '<a>', '<a b="&nbsp;"/>', '<a/><b/>']) {
      assert.throws(() => assertValidXml(bad), assert.AssertionError, JSON.stringify(bad));
    }
    assertValidXml('<?xml version="1.0" encoding="UTF-8"?>\n<a x="&#9;&amp;"><b/>text &gt; \u{1f600}</a>\n');
  });

  test('a linter failure on one file is an error finding for it (DF014), not a crash', () => {
    const { findings } = lintDockerfileSafely('FROM a\n', {}, () => {
      throw new RangeError('Maximum call stack size exceeded');
    });
    assert.deepEqual(findings.map((f) => [f.rule, f.severity, f.range.start.line]), [['DF014', 'error', 0]]);
    assert.doesNotMatch(findings[0].message, /Maximum call stack/);
    assert.deepEqual(lintDockerfileSafely('FROM debian\n', {}).findings.map((f) => f.rule), ['DL3006']);
  });
});
