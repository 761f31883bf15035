import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LintConfigError, parseLintConfig } from '../../../src/dockerfile/lintConfig';
import { lintDockerfile } from '../../../src/dockerfile/linter';

const rules = (text: string, options?: Parameters<typeof lintDockerfile>[1]) => lintDockerfile(text, options).findings.map((f) => `${f.rule}:${f.range.start.line + 1}`);
const APT = 'RUN apt-get install curl';

describe('hadolint pragmas', () => {
  test('# hadolint ignore= silences those rules on the next instruction only', () => {
    const found = rules(`FROM debian:12\n# hadolint ignore=DL3008,DL3015\n${APT}\n${APT}`);
    assert.ok(!found.includes('DL3008:3') && !found.includes('DL3015:3'));
    assert.ok(found.includes('DL3014:3'), 'other rules still apply');
    assert.ok(found.includes('DL3008:4') && found.includes('DL3015:4'));
  });

  test('a trailing comment after the rule list is allowed; ids are case-insensitive', () => {
    assert.ok(!rules(`FROM debian:12\n# hadolint ignore=dl3008 # we pin with a snapshot\n${APT}`).some((r) => r.startsWith('DL3008')));
  });

  test('# hadolint global ignore= applies to the whole file', () => {
    assert.ok(!rules(`# hadolint global ignore=DL3008\nFROM debian:12\n${APT}\n${APT}`).some((r) => r.startsWith('DL3008')));
  });

  test('# hadolint shell=powershell turns shell rules off for that stage', () => {
    const text = 'FROM mcr.microsoft.com/windows/servercore:ltsc2022\n# hadolint shell=powershell\nRUN Get-Process notepad | Stop-Process; cd C:\\\\x\nFROM debian:12\nRUN cd /tmp';
    const found = rules(text);
    assert.ok(!found.includes('DL4006:3') && !found.includes('DL3003:3'));
    assert.ok(found.includes('DL3003:5'), 'the next stage is POSIX again');
  });

  test('disable-ignore-pragma makes ignore comments count for nothing', () => {
    const config = parseLintConfig('disable-ignore-pragma: true');
    assert.ok(rules(`FROM debian:12\n# hadolint ignore=DL3008\n${APT}`, { config }).includes('DL3008:3'));
  });
});

describe('.hadolint.yaml', () => {
  test('ignored, override, trustedRegistries, label-schema, strict-labels, failure-threshold', () => {
    const config = parseLintConfig(`
ignored: [DL3008]
override:
  error: [DL3015]
  style: [DL3014]
trustedRegistries:
  - docker.io
  - "*.example.com"
label-schema:
  maintainer: text
  version: semver
strict-labels: true
failure-threshold: warning
`);
    assert.equal(config.failureThreshold, 'warning');
    const r = lintDockerfile(`FROM quay.io/x/y:1\nLABEL version=1.0 extra=x\n${APT}`, { config }).findings;
    const by = (rule: string) => r.find((f) => f.rule === rule);
    assert.equal(by('DL3008'), undefined);
    assert.equal(by('DL3015')?.severity, 'error');
    assert.equal(by('DL3014')?.severity, 'style');
    assert.ok(by('DL3026'), 'quay.io is not trusted');
    assert.ok(by('DL3049'), 'maintainer label missing');
    assert.ok(by('DL3056'), 'version is not semver');
    assert.ok(by('DL3050'), 'extra is not in the schema');
  });

  test('trustedRegistries may be a single string', () => {
    assert.deepEqual(parseLintConfig('trustedRegistries: my.registry:5000').trustedRegistries, ['my.registry:5000']);
  });

  test('a bad file says what is wrong', () => {
    assert.throws(() => parseLintConfig('ignored: [DL3008'), (e: unknown) => e instanceof LintConfigError && /not valid YAML/.test(e.message));
    assert.throws(() => parseLintConfig('failure-threshold: fatal'), /failure-threshold is "fatal"/);
    assert.throws(() => parseLintConfig('override:\n  fatal: [DL3008]'), /override.fatal is not a level/);
    assert.throws(() => parseLintConfig('label-schema:\n  version: number'), /label-schema.version/);
    assert.deepEqual(parseLintConfig('').ignored, []);
  });

  test('the editor setting wins over the file', () => {
    const config = parseLintConfig('override:\n  error: [DL3015]');
    const r = lintDockerfile(`FROM debian:12\n${APT}`, { config, severities: { DL3015: 'off', DL3014: 'error' } }).findings;
    assert.equal(r.find((f) => f.rule === 'DL3015'), undefined);
    assert.equal(r.find((f) => f.rule === 'DL3014')?.severity, 'error');
  });
});
