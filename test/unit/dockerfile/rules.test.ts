import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lintDockerfile } from '../../../src/dockerfile/linter';
import { HADOLINT_RULES } from '../../../src/dockerfile/rules/ruleCatalog';
import { RULE_CASES } from './ruleCases';

const fired = (text: string, rule: string, options = RULE_CASES[rule]?.options) =>
  lintDockerfile(text, options).findings.filter((f) => f.rule === rule);

describe('hadolint\'s DL rules', () => {
  test('there are 71, each with hadolint\'s id, a default severity and hit and no-hit cases here', () => {
    assert.equal(HADOLINT_RULES.length, 71);
    assert.equal(new Set(HADOLINT_RULES.map((r) => r.id)).size, 71);
    for (const r of HADOLINT_RULES) {
      const cases = RULE_CASES[r.id];
      assert.ok(cases, `no cases for ${r.id}`);
      assert.ok(cases.hit.length > 0 && cases.miss.length > 0, `${r.id} needs both hit and no-hit cases`);
    }
  });

  test('hadolint\'s default severities', () => {
    const severity = Object.fromEntries(HADOLINT_RULES.map((r) => [r.id, r.severity]));
    assert.deepEqual([severity.DL1001, severity.DL3000, severity.DL3001, severity.DL3008, severity.DL3009, severity.DL3048, severity.DL3057, severity.DL4006],
      ['ignore', 'error', 'info', 'warning', 'info', 'style', 'ignore', 'warning']);
  });

  for (const [rule, cases] of Object.entries(RULE_CASES)) {
    describe(rule, () => {
      for (const text of cases.hit) {
        test(`fires: ${JSON.stringify(text).slice(0, 90)}`, () => {
          const found = fired(text, rule);
          assert.ok(found.length > 0, `${rule} did not fire on:\n${text}\nall findings: ${lintDockerfile(text, cases.options).findings.map((f) => f.rule).join(', ')}`);
          for (const f of found) assert.ok(f.range.start.line >= 0 && f.message.length > 0);
        });
      }
      for (const text of cases.miss) {
        test(`quiet: ${JSON.stringify(text).slice(0, 90)}`, () => {
          const found = fired(text, rule);
          assert.equal(found.length, 0, `${rule} fired on a no-hit case:\n${text}\n${found.map((f) => `${f.range.start.line + 1}: ${f.message}`).join('\n')}`);
        });
      }
    });
  }
});

describe('where findings point', () => {
  test('an apt-get finding covers that command, not the whole RUN', () => {
    const text = 'FROM debian:12\nRUN echo start \\\n  && apt-get install -y curl \\\n  && echo done';
    const f = lintDockerfile(text).findings.find((x) => x.rule === 'DL3008')!;
    assert.deepEqual(f.range, { start: { line: 2, character: 5 }, end: { line: 2, character: 28 } });
  });

  test('commands in a RUN heredoc are checked, at their own lines', () => {
    const text = 'FROM debian:12\nRUN <<EOF\nset -e\napt-get install -y curl\nEOF';
    const f = lintDockerfile(text).findings.find((x) => x.rule === 'DL3008')!;
    assert.equal(f.range.start.line, 3);
  });

  test('a heredoc fed to a program other than a shell is not read as shell', () => {
    const text = 'FROM debian:12\nRUN python3 <<EOF\nimport os\nos.system("apt-get install curl")\nEOF';
    assert.deepEqual(lintDockerfile(text).findings.map((f) => f.rule), []);
  });

  test('ONBUILD RUN is checked like RUN', () => {
    assert.ok(fired('FROM debian:12\nONBUILD RUN apt-get install -y --no-install-recommends curl', 'DL3008').length);
  });
});
