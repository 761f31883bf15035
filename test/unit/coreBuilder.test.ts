import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stepKey } from '../../src/core/build/buildCache';
import { exposedPorts, parseDuration, setEnv } from '../../src/core/build/buildConfig';
import { globRegex } from '../../src/core/build/buildContext';
import { isIgnored, parseDockerignore } from '../../src/core/build/dockerignore';
import { expandHeredoc, expandWord, expandWords } from '../../src/core/build/shellWords';
import { diffTrees, type Snapshot } from '../../src/core/build/treeSnapshot';

const env = new Map([['A', 'a'], ['EMPTY', ''], ['SP', 'x y']]);

test('substitution: $X, ${X}, modifiers for unset and empty, unknown is empty', () => {
  assert.equal(expandWord('$A-${A}', env).value, 'a-a');
  assert.equal(expandWord('${NOPE:-dflt} ${EMPTY:-dflt} ${EMPTY-dflt}|', env).value, 'dflt dflt |');
  assert.equal(expandWord('${A:+set} ${EMPTY:+set} ${EMPTY+set} ${NOPE+set}|', env).value, 'set  set |');
  assert.equal(expandWord('$NOPE.${NOPE}', env).value, '.');
  assert.equal(expandWord('${NOPE:-${A}b}', env).value, 'ab');
  assert.throws(() => expandWord('${NOPE:?must be set}', env), /NOPE: must be set/);
});

test('substitution: quotes and escapes as the Dockerfile shell lexer', () => {
  assert.equal(expandWord("'$A' \"$A\" \\$A", env).value, '$A a $A');
  assert.equal(expandWord('"a\\"b\\c"', env).value, 'a"b\\c');
  assert.equal(expandWord('`$A', env, '`').value, '$A');
  assert.equal(expandWord('$ 1$', env).value, '$ 1$');
  assert.deepEqual(expandWords('a "b c"  d\\ e $A', env).words, ['a', 'b c', 'd e', 'a']);
  assert.deepEqual(expandWords('"" x', env).words, ['', 'x']);
  assert.throws(() => expandWord('"open', env), /double-quote/);
  assert.equal(expandHeredoc('say "$A" \'$A\' \\n\n', env), 'say "a" \'a\' \\n\n');
});

test('.dockerignore: patterns, parents, ** and ! exceptions, last match wins', () => {
  const p = parseDockerignore('# comment\n*.log\n/build/\n**/tmp\ndocs/**/*.md\n!docs/keep.md\n node_modules \n!important.log\n');
  assert.ok(isIgnored(p, 'x.log'));
  assert.ok(!isIgnored(p, 'sub/x.log'), '* does not cross a slash');
  assert.ok(!isIgnored(p, 'important.log'));
  assert.ok(isIgnored(p, 'build'));
  assert.ok(isIgnored(p, 'build/out/a.js'), 'a parent directory matched');
  assert.ok(isIgnored(p, 'tmp') && isIgnored(p, 'a/b/tmp') && isIgnored(p, 'a/tmp/f'));
  assert.ok(isIgnored(p, 'docs/a.md') && isIgnored(p, 'docs/x/y/b.md'));
  assert.ok(!isIgnored(p, 'docs/keep.md') && !isIgnored(p, 'docs/a.txt'));
  assert.ok(isIgnored(p, 'node_modules/x/index.js'));
  const q = parseDockerignore('*\n!src\nsrc/**/*.test.ts\n[ab]?.txt\n');
  assert.ok(isIgnored(q, 'README.md'));
  assert.ok(!isIgnored(q, 'src/main.ts'));
  assert.ok(isIgnored(q, 'src/x/main.test.ts'));
});

test('COPY wildcards follow filepath.Match: * and ? stay within one path segment', () => {
  assert.ok(globRegex('*.txt').test('a.txt'));
  assert.ok(!globRegex('*.txt').test('d/a.txt'));
  assert.ok(globRegex('d/*.t?t').test('d/a.txt'));
  assert.ok(globRegex('[a-c]*').test('b1') && !globRegex('[a-c]*').test('z'));
});

test('cache keys change with the parent, the instruction, the args and the content, not with arg order', () => {
  const base = { parent: 'p', instruction: 'RUN x', platform: 'linux/amd64', args: { A: '1', B: '2' }, content: 'c' };
  const k = stepKey(base);
  assert.equal(stepKey({ ...base, args: { B: '2', A: '1' } }), k);
  for (const change of [{ parent: 'q' }, { instruction: 'RUN y' }, { args: { A: '1', B: '3' } }, { content: 'd' }, { platform: 'linux/arm64' }]) {
    assert.notEqual(stepKey({ ...base, ...change }), k, JSON.stringify(change));
  }
  assert.match(k, /^sha256:[a-f0-9]{64}$/);
});

test('tree diff: added, changed and removed paths, with parents, and whiteouts only at the top', () => {
  const seen = (over: Partial<{ mode: number; size: number; mtimeNs: bigint }> = {}) => ({ mode: 0o100644, uid: 0, gid: 0, size: 1, mtimeNs: 1n, ctimeNs: 1n, ino: 1n, ...over });
  const dir = () => seen({ mode: 0o040755 });
  const before: Snapshot = new Map([['etc', dir()], ['etc/a', seen()], ['etc/b', seen()], ['gone', dir()], ['gone/x', seen()], ['keep', dir()], ['keep/f', seen()]]);
  const after: Snapshot = new Map([['etc', { ...dir(), mtimeNs: 5n }], ['etc/a', seen({ size: 2 })], ['keep', dir()], ['keep/f', seen()], ['new', dir()], ['new/n', seen()]]);
  const changes = diffTrees(before, after);
  assert.deepEqual(changes.changed, ['etc', 'etc/a', 'new', 'new/n']);
  assert.deepEqual(changes.removed, ['etc/b', 'gone']);
});

test('config helpers: EXPOSE ranges and protocols, durations, ENV replacing in place', () => {
  assert.deepEqual(exposedPorts('80'), ['80/tcp']);
  assert.deepEqual(exposedPorts('53/UDP'), ['53/udp']);
  assert.deepEqual(exposedPorts('8000-8002'), ['8000/tcp', '8001/tcp', '8002/tcp']);
  assert.throws(() => exposedPorts('http'), /invalid containerPort/);
  assert.equal(parseDuration('1m30s'), 90e9);
  assert.equal(parseDuration('500ms'), 5e8);
  assert.throws(() => parseDuration('5 minutes'), /invalid duration/);
  assert.deepEqual(setEnv(['A=1', 'B=2'], 'A', '3'), ['A=3', 'B=2']);
  assert.deepEqual(setEnv(['A=1'], 'C', '3'), ['A=1', 'C=3']);
});
