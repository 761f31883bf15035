import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseShell } from '../../../src/dockerfile/shell/shellParser';

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
});
