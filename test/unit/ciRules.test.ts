import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_RULES, evaluateRules, parseBytes, parseDiveCi } from '../../src/core/layers/ciRules';
import type { Efficiency } from '../../src/core/layers/efficiency';
import { stepsFromHistory } from '../../src/engine/engineImageSource';

const efficiency: Efficiency = { score: 0.85, wastedBytes: 30_000_000, sizeBytes: 200_000_000, userSizeBytes: 100_000_000, userWastedPercent: 0.3, inefficiencies: [] };

describe("dive's CI rules", () => {
  test('byte sizes as go-humanize reads them', () => {
    assert.equal(parseBytes('20MB'), 20_000_000);
    assert.equal(parseBytes('20 MiB'), 20 * 1024 * 1024);
    assert.equal(parseBytes('1.5kb'), 1500);
    assert.equal(parseBytes('512'), 512);
    assert.equal(parseBytes('1,000 B'), 1000);
    assert.throws(() => parseBytes('lots'), /not a byte size/);
  });

  test("dive's defaults fail an image under 90 % efficiency and over 10 % user waste", () => {
    const outcome = evaluateRules(efficiency, DEFAULT_RULES);
    assert.equal(outcome.pass, false);
    assert.deepEqual(outcome.results.map((r) => [r.rule, r.status]), [['lowestEfficiency', 'fail'], ['highestWastedBytes', 'skip'], ['highestUserWastedPercent', 'fail']]);
  });

  test('.dive-ci values (numbers or text) and disabled rules; a malformed value fails the run', () => {
    const rules = { ...DEFAULT_RULES, ...parseDiveCi('rules:\n  lowestEfficiency: 0.8\n  highestWastedBytes: 50MB\n  highestUserWastedPercent: disabled\n') };
    assert.deepEqual(rules, { lowestEfficiency: '0.8', highestWastedBytes: '50MB', highestUserWastedPercent: 'disabled' });
    assert.equal(evaluateRules(efficiency, rules).pass, true);
    const broken = evaluateRules(efficiency, { ...rules, highestWastedBytes: 'a lot' });
    assert.equal(broken.pass, false);
    assert.equal(broken.results[1].status, 'misconfigured');
    assert.deepEqual(parseDiveCi('# nothing\n'), {});
    assert.throws(() => parseDiveCi('rules: [unclosed'), /not valid YAML/);
  });
});

describe("the engine's history as inspector steps", () => {
  const h = (createdBy: string, size: number) => ({ createdBy, size, created: 0, comment: '', tags: [] });

  test('steps with a size, or that are not metadata, made the layers (the API lists newest first)', () => {
    const steps = stepsFromHistory([
      h('/bin/sh -c #(nop)  CMD ["sh"]', 0),
      h('/bin/sh -c echo hi > /x', 3),
      h('/bin/sh -c #(nop)  ENV A=1', 0),
      h('/bin/sh -c #(nop) ADD file:abc in / ', 1000),
    ], 2);
    assert.deepEqual(steps.map((s) => s.layer), [0, undefined, 1, undefined]);
  });

  test('a RUN that changed nothing still made a layer; more candidates than layers drop the empty ones first', () => {
    assert.deepEqual(stepsFromHistory([h('RUN /bin/sh -c true # buildkit', 0), h('COPY a /a # buildkit', 5)], 2).map((s) => s.layer), [0, 1]);
    assert.deepEqual(stepsFromHistory([h('RUN /bin/sh -c true # buildkit', 0), h('COPY a /a # buildkit', 5)], 1).map((s) => s.layer), [0, undefined]);
  });
});
