import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import Ajv from 'ajv-draft-04';
import { FORMATS, formatFindings } from '../../src/cli/lintFormats';
import { lintDockerfile } from '../../src/dockerfile/linter';
import { assertClean } from '../support/hostile';
import { reportedFindings } from '../support/lintOutput';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const FIXTURES = path.resolve(__dirname, '../fixtures/lint');
/** Runs the built CLI in the fixtures folder, without a terminal, so no colour unless asked. */
const lint = (args: string[], cwd = FIXTURES) => spawnSync(process.execPath, [CLI, 'lint', ...args], { cwd, encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '' } });

interface JsonFinding { code: string; level: string; file: string; line: number; column: number; message: string }

describe('stevedore lint (the built CLI) on fixture trees', () => {
  test('a directory is searched for Dockerfile, Containerfile.*, *.Dockerfile; node_modules and other files are not', () => {
    const r = lint(['--format', 'json', 'tree']);
    assert.equal(r.status, 1, r.stderr);
    const findings = JSON.parse(r.stdout) as JsonFinding[];
    assert.deepEqual([...new Set(findings.map((f) => f.file))].sort(), ['tree/services/api/Dockerfile', 'tree/services/web/Containerfile.dev', 'tree/services/web/web.Dockerfile']);
    const api = findings.filter((f) => f.file === 'tree/services/api/Dockerfile').map((f) => `${f.line}:${f.column} ${f.code} ${f.level}`);
    assert.deepEqual(api, ['2:5 DL3009 info', '2:23 DL3008 warning', '2:23 DL3015 info', '3:1 DL3025 warning']);
  });

  test('tty output is hadolint-like, plain without a terminal', () => {
    const r = lint(['tree/services/web/web.Dockerfile']);
    assert.equal(r.stdout, 'tree/services/web/web.Dockerfile:1:6 DL3007 warning: Using latest is prone to errors if the image will ever update. Pin the version explicitly to a release tag.\n');
    assert.ok(!r.stdout.includes('\x1b'), 'no colour codes');
  });

  test('gnu and checkstyle formats', () => {
    const gnu = lint(['--format', 'gnu', 'tree/services/web/Containerfile.dev']);
    assert.match(gnu.stdout, /^stevedore:tree\/services\/web\/Containerfile\.dev:2:1: DL3021 error: COPY with more than 2 arguments/m);
    const xml = lint(['-f', 'checkstyle', 'tree/services/web/Containerfile.dev']).stdout;
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<checkstyle version="4.3">\n {2}<file name="tree\/services\/web\/Containerfile.dev">\n/);
    assert.match(xml, /<error line="2" column="1" severity="error" message="COPY with more than 2 arguments requires the last argument to end with \/" source="DL3021"\/>/);
  });

  test('sarif output is valid SARIF 2.1.0 (validated against the OASIS schema) with GitHub\'s required fields', () => {
    const r = lint(['--format', 'sarif', 'tree']);
    const log = JSON.parse(r.stdout) as { version: string; runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string; ruleIndex: number; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
    const schema = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../fixtures/sarif/sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    ajv.addFormat('uri', /^[a-z][a-z0-9+.-]*:[^\s]*$/i);
    ajv.addFormat('uri-reference', /^[^\s]*$/);
    ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i);
    const validate = ajv.compile(schema);
    assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
    assert.equal(log.version, '2.1.0');
    const run = log.runs[0];
    assert.ok(run.results.length >= 6);
    for (const res of run.results) {
      assert.equal(run.tool.driver.rules[res.ruleIndex].id, res.ruleId);
      assert.ok(res.locations[0].physicalLocation.region.startLine >= 1);
      assert.ok(!path.isAbsolute(res.locations[0].physicalLocation.artifactLocation.uri));
    }
    const broken = structuredClone(log) as { version: string };
    broken.version = '2.0.0';
    assert.equal(validate(broken), false, 'the schema check itself can fail');
  });

  test('--failure-threshold decides the exit code; a clean file exits 0', () => {
    assert.equal(lint(['clean']).status, 0);
    assert.equal(lint(['--failure-threshold', 'error', 'tree/services/api/Dockerfile']).status, 0);
    assert.equal(lint(['--failure-threshold', 'warning', 'tree/services/api/Dockerfile']).status, 1);
    assert.equal(lint(['-t', 'none', 'tree']).status, 0);
  });

  test('--config reads a hadolint configuration: ignored, override, trustedRegistries, failure-threshold', () => {
    const r = lint(['--config', 'hadolint.yaml', '--format', 'json', 'tree/services/api/Dockerfile']);
    const findings = JSON.parse(r.stdout) as JsonFinding[];
    assert.ok(!findings.some((f) => f.code === 'DL3008'));
    assert.equal(findings.find((f) => f.code === 'DL3015')?.level, 'error');
    assert.equal(r.status, 1, 'DL3015 is an error now and the threshold is error');
  });

  test('.hadolint.yaml in the working directory is found as hadolint finds it; --ignore drops rules', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stevedore-lint-'));
    try {
      fs.copyFileSync(path.join(FIXTURES, 'tree/services/api/Dockerfile'), path.join(dir, 'Dockerfile'));
      fs.writeFileSync(path.join(dir, '.hadolint.yaml'), 'ignored: [DL3009]\n');
      const r = lint(['--format', 'json', '--ignore', 'DL3025'], dir);
      assert.deepEqual((JSON.parse(r.stdout) as JsonFinding[]).map((f) => f.code), ['DL3008', 'DL3015']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('"-" lints standard input', () => {
    const r = spawnSync(process.execPath, [CLI, 'lint', '--format', 'gnu', '-'], { input: 'FROM debian\n', encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.stdout, 'stevedore:-:1:6: DL3006 warning: Always tag the version of an image explicitly.\n');
    assert.equal(r.status, 1);
  });

  test('bad input: clear messages, exit 2, no stack trace', () => {
    const cases: [string[], RegExp][] = [
      [['nope/Dockerfile'], /^stevedore: nope\/Dockerfile: no such file or directory\n$/],
      [['--format', 'xml', 'clean'], /^stevedore: unknown format "xml": use tty, json, sarif, checkstyle, gnu\n$/],
      [['--failure-threshold', 'fatal'], /unknown failure threshold "fatal"/],
      [['--config', 'broken.yaml', 'clean'], /^stevedore: broken\.yaml is not valid YAML: /],
      [['--frobnicate'], /unknown option "--frobnicate"/],
    ];
    for (const [args, message] of cases) {
      const r = lint(args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });

  test('Dockerfile text with control characters, U+FFFF and a lone surrogate: every format stays clean and valid (checkstyle is strict XML 1.0)', () => {
    const input = 'FROM debian\n\x1b[2K\rverified\x07OK\uffff\ufffe\ud800\x01\x9b x\nRUN ' + '$('.repeat(2000) + '\n';
    for (const format of FORMATS) {
      const r = spawnSync(process.execPath, [CLI, 'lint', '--format', format, '-'], { input, encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 1, `${format}: ${r.stderr}`);
      assertClean(r.stdout + r.stderr, format);
      assert.deepEqual(reportedFindings(format, r.stdout).map((f) => `${f.line}:${f.column} ${f.rule}`), ['1:6 DL3006', '2:1 DF001', '3:404 DF013'], format);
    }
  });

  test('tty output is coloured for a terminal: severity in its colour, location in bold', () => {
    const text = fs.readFileSync(path.join(FIXTURES, 'tree/services/web/web.Dockerfile'), 'utf8');
    const out = formatFindings('tty', [{ file: 'web.Dockerfile', findings: lintDockerfile(text).findings }], { colour: true, version: '0' });
    assert.equal(out, '\x1b[1mweb.Dockerfile:1:6\x1b[0m DL3007 \x1b[33mwarning\x1b[0m: Using latest is prone to errors if the image will ever update. Pin the version explicitly to a release tag.\n');
  });
});
