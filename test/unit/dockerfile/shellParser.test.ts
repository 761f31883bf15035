import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_SHELL_DEPTH, parseShell } from '../../../src/dockerfile/shell/shellParser';

const commands = (script: string) => parseShell(script).commands.map((c) => [c.name, ...c.args.map((a) => a.value)].join(' '));

describe('the shell parser', () => {
  test('splits on &&, ||, ;, |, & and newlines', () => {
    assert.deepEqual(commands('a 1 && b 2 || c; d | e & f\ng'), ['a 1', 'b 2', 'c', 'd', 'e', 'f', 'g']);
  });

  test('quotes: operators inside quotes are words, quotes are removed', () => {
    assert.deepEqual(commands(`echo "a && b" 'c | d' e\\ f "x"'y'`), ['echo a && b c | d e f xy']);
  });

  test('line continuations join words', () => {
    assert.deepEqual(commands('apt-get install \\\n  -y \\\n  curl'), ['apt-get install -y curl']);
  });

  test('commands inside $(...), backticks and subshells are found and marked nested', () => {
    const s = parseShell('x=$(cd /a && pwd) y=`which z`; (cd /b && make); echo "$(id -u)"');
    assert.deepEqual(s.commands.map((c) => `${c.name}${c.nested ? '*' : ''}`), ['cd*', 'pwd*', 'which*', 'cd*', 'make*', 'id*', 'echo']);
  });

  test('variables keep their text; a word made only of one is flagged as an expansion', () => {
    const [cmd] = parseShell('apt-get install ${PKGS} curl=$V').commands;
    assert.deepEqual(cmd.args.map((a) => [a.value, a.expands]), [['install', false], ['${PKGS}', true], ['curl=$V', true]]);
  });

  test('assignments before a command and redirections are not its name or arguments', () => {
    assert.deepEqual(commands('DEBIAN_FRONTEND=noninteractive apt-get update > /dev/null 2>&1 < in'), ['apt-get update']);
    assert.deepEqual(commands('A=1 B=2'), []);
  });

  test('sudo, env and other wrappers: the command is the one they run', () => {
    const [a, b] = parseShell('sudo -u app apt-get update; env -i PATH=/x /usr/bin/pip install y').commands;
    assert.deepEqual([a.name, a.wrappers, b.name, b.wrappers], ['apt-get', ['sudo'], 'pip', ['env']]);
  });

  test('if, for, while and case bodies are commands; keywords are not', () => {
    assert.deepEqual(commands('if [ -f x ]; then rm x; else touch x; fi'), ['[ -f x ]', 'rm x', 'touch x']);
    assert.deepEqual(commands('for f in a b; do gzip $f; done'), ['gzip $f']);
    assert.deepEqual(commands('while read l; do echo $l; done < f'), ['read l', 'echo $l']);
    assert.deepEqual(commands('case "$A" in x|y) apt-get update ;; *) echo no ;; esac'), ['apt-get update', 'echo no']);
  });

  test('functions, comments and shell heredocs', () => {
    assert.deepEqual(commands('f() { echo hi; }\nf # call it\ncat <<EOF > /x\nrm -rf / && sudo\nEOF\ntrue'), ['echo hi', 'f', 'cat', 'true']);
  });

  test('pipes are counted, || is not a pipe', () => {
    assert.equal(parseShell('a | b |& c').pipes.length, 2);
    assert.equal(parseShell('a || b').pipes.length, 0);
  });

  test('unterminated quotes and substitutions end at the end of the text', () => {
    assert.deepEqual(commands('echo "unterminated && rm'), ['echo unterminated && rm']);
    assert.deepEqual(commands('echo $(ls'), ['ls', 'echo $(ls']);
  });

  test(`nesting up to ${MAX_SHELL_DEPTH} levels is read whole; deeper, it stops where the limit is passed`, () => {
    const nest = (open: string, close: string, n: number) => `${open.repeat(n)}apt-get x${close.repeat(n)}; make`;
    const full = parseShell(nest('$(', ')', MAX_SHELL_DEPTH - 1));
    assert.equal(full.tooDeep, undefined);
    assert.deepEqual(full.commands.filter((c) => c.name === 'apt-get' || c.name === 'make').map((c) => [c.name, c.nested]), [['apt-get', true], ['make', false]]);
    for (const [open, close] of [['$(', ')'], ['( ', ' )'], ['"$(', ')"'], ['$(echo `', '`)']]) {
      const script = nest(open, close, 2000);
      const s = parseShell(script);
      assert.ok(s.tooDeep !== undefined && s.tooDeep > 0 && s.tooDeep < script.indexOf('apt-get'), `${open}: stopped at ${s.tooDeep}`);
      assert.ok(!s.commands.some((c) => c.name === 'apt-get'));
    }
  });

  test('100,000 levels end in bounded time, without a stack overflow', () => {
    for (const open of ['$(', '( ', '"$(', '`$(', '${', '$((']) {
      const started = performance.now();
      parseShell(open.repeat(100_000));
      // a safety bound on a loaded CI machine; a few hundred ms here
      assert.ok(performance.now() - started < 5000, `${open}: ${performance.now() - started} ms`);
    }
  });
});
