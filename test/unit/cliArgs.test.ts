import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs } from '../../src/cli/cliArgs';

const spec = { flags: ['--json', '--force'], values: ['--output'], aliases: { '-f': '--force', '-o': '--output' } };

test('parseArgs: --engine core or STEVEDORE_ENGINE=core picks the core store; flags, values, aliases, positionals', () => {
  const a = parseArgs(['-o', 'out.tar', 'img:1', '--engine', 'core', '-f', 'img:2', '--json'], spec, 'usage', {});
  assert.equal(a.core, true);
  assert.deepEqual([...a.flags].sort(), ['--force', '--json']);
  assert.equal(a.values.get('--output'), 'out.tar');
  assert.deepEqual(a.positional, ['img:1', 'img:2']);
  assert.equal(parseArgs(['--output=x.tar'], spec, 'usage', {}).values.get('--output'), 'x.tar');
  assert.equal(parseArgs([], spec, 'usage', { STEVEDORE_ENGINE: 'core' }).core, true);
  assert.equal(parseArgs(['--engine=daemon'], spec, 'usage', { STEVEDORE_ENGINE: 'core' }).core, false);
  assert.equal(parseArgs([], spec, 'usage', {}).core, false);
});

test('parseArgs: an unknown option, a missing value or an unknown engine is a usage error (exit 2)', () => {
  assert.throws(() => parseArgs(['--nope'], spec, 'usage: x', {}), (err: Error & { exitCode?: number }) => err.exitCode === 2 && /unknown option --nope\nusage: x/.test(err.message));
  assert.throws(() => parseArgs(['-o'], spec, 'usage: x', {}), /-o needs a value/);
  assert.throws(() => parseArgs(['--engine', 'podman'], spec, 'usage: x', {}), /is "core" or "daemon", not "podman"/);
});
