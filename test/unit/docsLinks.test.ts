// Every relative link and image in the repository's Markdown (README.md, CONTRIBUTING.md,
// CHANGELOG.md, docs/**/*.md) resolves: to a file of the repository, and for `#anchor` to a heading
// of the target as GitHub slugs it. The README stays a front page: short, with the two commands.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

const root = path.resolve(__dirname, '../..');

const TWO_COMMANDS = [
  'npm ci && npm start   # builds the extension, opens it in VS Code in the browser at a printed URL',
  'npm test              # the whole suite: type check, lint, unit, integration, extension host, end-to-end',
];
const README_MAX_LINES = 260;

interface MarkdownLink { readonly target: string; readonly line: number }

/** The text with fenced code blocks blanked out (each line kept, empty). */
function withoutFences(markdown: string): string {
  const lines = markdown.split('\n');
  let fence: { char: string; length: number } | undefined;
  const kept = lines.map((line) => {
    const open = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
      if (close && close[1][0] === fence.char && close[1].length >= fence.length) fence = undefined;
      return '';
    }
    if (open && !(open[1][0] === '`' && line.slice(open.index + open[0].length).includes('`'))) {
      fence = { char: open[1][0], length: open[1].length };
      return '';
    }
    return line;
  });
  return kept.join('\n');
}

/** The text with fenced code blocks and inline code spans blanked out (newlines kept, so offsets keep their lines). */
function withoutCode(markdown: string): string {
  const text = withoutFences(markdown);
  // Code spans: a run of n backticks up to the next run of exactly n; an unmatched run is literal.
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '`') {
      out += text[i++];
      continue;
    }
    let n = 0;
    while (text[i + n] === '`') n++;
    const closer = new RegExp(`(?<!\`)\`{${n}}(?!\`)`, 'g');
    closer.lastIndex = i + n;
    const end = closer.exec(text);
    if (!end) {
      out += text.slice(i, i + n);
      i += n;
      continue;
    }
    out += text.slice(i, end.index + n).replace(/[^\n]/g, ' ');
    i = end.index + n;
  }
  return out;
}

/** Link and image destinations (`[x](dest)`, `![x](dest)`, `[x]: dest`) outside code, with their 1-based lines. */
function markdownLinks(markdown: string): MarkdownLink[] {
  const text = withoutCode(markdown);
  const lineAt = (offset: number) => text.slice(0, offset).split('\n').length;
  const links: MarkdownLink[] = [];
  for (const m of text.matchAll(/\]\(\s*(<[^>\n]*>|[^)\s]*)/g)) {
    const target = m[1].replace(/^<(.*)>$/, '$1');
    links.push({ target, line: lineAt(m.index) });
  }
  for (const m of text.matchAll(/^ {0,3}\[(?!\^)[^\]\n]+\]:\s*(<[^>\n]*>|\S+)/gm)) {
    links.push({ target: m[1].replace(/^<(.*)>$/, '$1'), line: lineAt(m.index) });
  }
  return links.sort((a, b) => a.line - b.line);
}

/** GitHub's anchor for a heading's text: lower case, punctuation but `-` and `_` dropped, each space a `-`. */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // HTML tags
    .replace(/`/g, '')
    .replace(/\*/g, '')
    .trim();
  return text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Every anchor a Markdown file offers: its headings' slugs (a repeat gets -1, -2, …) and HTML ids and names. */
function anchors(markdown: string): Set<string> {
  const lines = withoutFences(markdown).split('\n');
  const seen = new Map<string, number>();
  const result = new Set<string>();
  const add = (base: string) => {
    let candidate = base;
    let count = seen.get(base) ?? 0;
    while (result.has(candidate)) candidate = `${base}-${++count}`;
    seen.set(base, count);
    result.add(candidate);
  };
  lines.forEach((line, i) => {
    const atx = /^ {0,3}#{1,6}(?:\s+(.*?))?(?:\s+#+)?\s*$/.exec(line);
    if (atx) add(slug(atx[1] ?? ''));
    else if (i > 0 && /^ {0,3}(=+|-+)\s*$/.test(line) && /\S/.test(lines[i - 1]) && !/^\s*([-*+]|\d+[.)]|\||>|#)/.test(lines[i - 1])) {
      add(slug(lines[i - 1]));
    }
    for (const m of line.matchAll(/<a\s[^>]*\b(?:id|name)=["']([^"']+)["']/g)) result.add(m[1]);
  });
  return result;
}

/** Paths .gitignore keeps out of the repository, as tests of a relative path (simple patterns only). */
function gitIgnored(): (relative: string) => boolean {
  const file = path.join(root, '.gitignore');
  const patterns = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#') && !l.startsWith('!')) : [];
  const tests = patterns.map((p) => {
    const dir = p.endsWith('/');
    const body = p.replace(/\/$/, '').replace(/^\//, '').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\0').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\0/g, '.*');
    const anchored = p.replace(/\/$/, '').includes('/');
    return new RegExp(`${anchored ? '^' : '(^|/)'}${body}${dir ? '/' : '($|/)'}`);
  });
  return (relative) => tests.some((t) => t.test(relative) || t.test(`${relative}/`));
}

function markdownFiles(): string[] {
  const docs = path.join(root, 'docs');
  const inDocs = fs.existsSync(docs)
    ? fs.readdirSync(docs, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.md')).map((f) => path.join('docs', f))
    : [];
  return ['README.md', 'CONTRIBUTING.md', 'CHANGELOG.md', ...inDocs.sort()].filter((f) => fs.existsSync(path.join(root, f)));
}

/** What is wrong with each link of one file, as `file:line: link: why`. */
function brokenLinks(file: string, ignored: (relative: string) => boolean): string[] {
  const problems: string[] = [];
  const markdown = fs.readFileSync(path.join(root, file), 'utf8');
  for (const { target, line } of markdownLinks(markdown)) {
    const say = (why: string) => problems.push(`${file}:${line}: ${target || '(empty)'}: ${why}`);
    if (/^(https?|mailto|command):/i.test(target)) continue;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) { say('not a relative link, and not http(s), mailto or command'); continue; }
    if (!target) { say('empty link'); continue; }
    const hash = target.indexOf('#');
    let pathPart = hash < 0 ? target : target.slice(0, hash);
    const anchor = hash < 0 ? undefined : target.slice(hash + 1);
    try {
      pathPart = decodeURIComponent(pathPart);
    } catch {
      say('not a valid URL path');
      continue;
    }
    const resolved = pathPart === ''
      ? path.join(root, file)
      : pathPart.startsWith('/') ? path.join(root, pathPart) : path.resolve(root, path.dirname(file), pathPart);
    const relative = path.relative(root, resolved).split(path.sep).join('/');
    if (relative.startsWith('..') || path.isAbsolute(relative)) { say('points outside the repository'); continue; }
    if (!fs.existsSync(resolved)) { say(`no such file ${relative}`); continue; }
    if (relative && ignored(relative)) { say(`${relative} is git-ignored, not in the repository`); continue; }
    if (anchor === undefined) continue;
    if (!resolved.endsWith('.md')) {
      if (!/^L\d+(-L\d+)?$/.test(anchor)) say(`#${anchor} on a file that is not Markdown`);
      continue;
    }
    if (fs.statSync(resolved).isDirectory()) { say(`#${anchor} on a directory`); continue; }
    const offered = anchors(fs.readFileSync(resolved, 'utf8'));
    if (!offered.has(decodeURIComponent(anchor))) say(`no heading #${anchor} in ${relative}`);
  }
  return problems;
}

describe('Markdown link checking helpers', () => {
  test("slugs follow GitHub's rules", () => {
    assert.equal(slug('Connecting to an engine'), 'connecting-to-an-engine');
    assert.equal(slug('`stevedore lint`'), 'stevedore-lint');
    assert.equal(slug('The `stevedore` CLI'), 'the-stevedore-cli');
    assert.equal(slug('Core runner and bundled engine'), 'core-runner-and-bundled-engine');
    assert.equal(slug('What differs: BuildKit, hadolint & dive (2.0)!'), 'what-differs-buildkit-hadolint--dive-20');
    assert.equal(slug('snake_case and kebab-case'), 'snake_case-and-kebab-case');
    assert.equal(slug('A [link](x.md) and **bold**'), 'a-link-and-bold');
    assert.equal(slug('Über Größe'), 'über-größe');
  });

  test('repeated headings get -1, -2; setext headings and HTML anchors count', () => {
    const offered = anchors('# Figures\n\n## Figures\n\n### Figures\n\nSetext\n======\n\n<a id="kept"></a>\n');
    assert.deepEqual([...offered].sort(), ['figures', 'figures-1', 'figures-2', 'kept', 'setext']);
  });

  test('headings inside fenced code are not anchors', () => {
    assert.deepEqual([...anchors('# Real\n\n```sh\n# a comment\n```\n')], ['real']);
  });

  test('links, images and definitions are found with their lines; code is skipped', () => {
    const md = [
      'See [a](docs/a.md#x) and ![pic](media/p.png).', // 1
      '`[not](inline.md)` but [yes](#here)', // 2
      '```md', // 3
      '[not](fenced.md)', // 4
      '```', // 5
      '[![badge](b.png)](c.md) `a', // 6
      'span [across](lines.md)` [after](after.md)', // 7
      '[ref]: ref.md', // 8
      '[t](<with space.md> "title")', // 9
    ].join('\n');
    assert.deepEqual(markdownLinks(md), [
      { target: 'docs/a.md#x', line: 1 },
      { target: 'media/p.png', line: 1 },
      { target: '#here', line: 2 },
      { target: 'b.png', line: 6 },
      { target: 'c.md', line: 6 },
      { target: 'after.md', line: 7 },
      { target: 'ref.md', line: 8 },
      { target: 'with space.md', line: 9 },
    ]);
  });

  test('a fence of four backticks is closed only by four or more', () => {
    assert.deepEqual(markdownLinks('````\n```\n[in](a.md)\n````\n[out](b.md)'), [{ target: 'b.md', line: 5 }]);
  });
});

describe('The repository\'s Markdown', () => {
  test('every relative link and image resolves to a file, and every #anchor to a heading', () => {
    const ignored = gitIgnored();
    const files = markdownFiles();
    assert.ok(files.includes('README.md') && files.some((f) => f.startsWith('docs')), `Markdown files found: ${files.join(', ')}`);
    const problems = files.flatMap((f) => brokenLinks(f, ignored));
    assert.equal(problems.length, 0, `broken links:\n${problems.join('\n')}`);
  });

  test(`README.md stays a front page: under ${README_MAX_LINES} lines, with the two commands`, () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const lines = readme.replace(/\n$/, '').split('\n').length;
    assert.ok(lines < README_MAX_LINES, `README.md has ${lines} lines; move reference material into docs/`);
    assert.ok(readme.includes(['```sh', ...TWO_COMMANDS, '```'].join('\n')), `README.md:1: the two commands, exactly, in one sh block:\n${TWO_COMMANDS.join('\n')}`);
  });
});
