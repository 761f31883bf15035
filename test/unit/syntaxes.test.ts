import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { INITIAL, Registry, type IGrammar, type IRawGrammar } from 'vscode-textmate';
import { createOnigScanner, createOnigString, loadWASM } from 'vscode-oniguruma';

const SYNTAXES = path.resolve(__dirname, '../../syntaxes');
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(SYNTAXES, file), 'utf8')) as IRawGrammar;

/**
 * Our grammars in VS Code's own TextMate engine (vscode-textmate with Oniguruma). The grammars they
 * build on, VS Code's Dockerfile and shell grammars, are stand-ins here that mark a few words.
 */
const STAND_INS: Record<string, unknown> = {
  'source.dockerfile': { scopeName: 'source.dockerfile', patterns: [{ match: '^\\s*(?i:FROM|COPY|RUN)\\b', name: 'keyword.other.special-method.dockerfile' }] },
  'source.shell': { scopeName: 'source.shell', patterns: [{ match: '\\b(apt-get|echo|set)\\b', name: 'support.function.builtin.shell' }, { match: '"[^"]*"', name: 'string.quoted.double.shell' }] },
};

let registry: Registry;
before(async () => {
  await loadWASM(fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer);
  registry = new Registry({
    onigLib: Promise.resolve({ createOnigScanner, createOnigString }),
    loadGrammar: (scope) => Promise.resolve(scope === 'source.dockerfile.shell-injection' ? read('dockerfile-shell.injection.tmLanguage.json')
      : scope === 'source.dockerignore' ? read('dockerignore.tmLanguage.json') : (STAND_INS[scope] as IRawGrammar | undefined) ?? null),
    getInjections: (scope) => (scope === 'source.dockerfile' ? ['source.dockerfile.shell-injection'] : undefined),
  });
});

/** Each token's text with its scopes, line by line. */
function tokenize(grammar: IGrammar, text: string): { line: number; text: string; scopes: string[] }[] {
  let state = INITIAL;
  return text.split('\n').flatMap((line, n) => {
    const r = grammar.tokenizeLine(line, state);
    state = r.ruleStack;
    return r.tokens.map((t) => ({ line: n, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
  });
}

const scopesOf = (tokens: ReturnType<typeof tokenize>, line: number, text: string) => tokens.find((t) => t.line === line && t.text.includes(text))?.scopes ?? [];

describe('the RUN shell injection grammar', () => {
  test('shell inside RUN, through continuation lines and heredocs; not in other instructions or the exec form', async () => {
    const grammar = (await registry.loadGrammar('source.dockerfile'))!;
    const tokens = tokenize(grammar, 'FROM a\nRUN --mount=type=cache,target=/c apt-get update \\\n    && echo "x"\nCOPY a b\nRUN <<EOF\nset -e\nEOF\nRUN ["echo", "exec"]\nCOPY c d');
    assert.ok(scopesOf(tokens, 1, 'apt-get').includes('support.function.builtin.shell'));
    assert.ok(scopesOf(tokens, 1, 'apt-get').includes('meta.embedded.line.shellscript'));
    assert.ok(scopesOf(tokens, 1, '--mount').includes('variable.parameter.flag.dockerfile'));
    assert.ok(scopesOf(tokens, 2, 'echo').includes('support.function.builtin.shell'), 'the continuation line is shell too');
    assert.ok(!scopesOf(tokens, 3, 'COPY').includes('meta.embedded.line.shellscript'), 'the RUN ends with its last line');
    assert.ok(scopesOf(tokens, 5, 'set').includes('meta.embedded.block.shellscript'));
    assert.ok(scopesOf(tokens, 6, 'EOF').includes('keyword.control.heredoc-token.dockerfile'));
    assert.ok(!scopesOf(tokens, 7, 'echo').includes('support.function.builtin.shell'), 'the exec form is JSON, not shell');
    assert.ok(!scopesOf(tokens, 8, 'COPY').some((s) => s.includes('shellscript')));
  });
});

describe('the .dockerignore grammar', () => {
  test('comments, negation, globs and escapes', async () => {
    const grammar = (await registry.loadGrammar('source.dockerignore'))!;
    const tokens = tokenize(grammar, '# build output\n!keep/**/*.txt\nlogs/file\\?.log');
    assert.ok(scopesOf(tokens, 0, 'build output').includes('comment.line.number-sign.dockerignore'));
    assert.ok(scopesOf(tokens, 1, '!').includes('keyword.operator.negation.dockerignore'));
    assert.ok(scopesOf(tokens, 1, '**').includes('keyword.operator.glob.recursive.dockerignore'));
    assert.ok(scopesOf(tokens, 2, '\\?').includes('constant.character.escape.dockerignore'));
  });
});
