import path from 'node:path';

/**
 * `.dockerignore` as moby/patternmatcher reads and applies it: one pattern a line, `#` comments,
 * surrounding blanks trimmed, paths cleaned and a leading `/` dropped; `!` makes an exception;
 * `*` and `?` never cross a `/`, `**` spans any number of directories, `[...]` classes and `\`
 * escapes as in Go's filepath.Match. A pattern excludes a path when it matches the path or one
 * of its parent directories; the last pattern that matches decides.
 */
export interface IgnorePattern {
  readonly text: string;
  readonly exclusion: boolean;
  readonly regex: RegExp;
}

export function parseDockerignore(content: string): IgnorePattern[] {
  const patterns: IgnorePattern[] = [];
  for (let line of content.replace(/^\ufeff/, '').split(/\r?\n/)) {
    line = line.trim();
    if (!line || line.startsWith('#')) continue;
    let exclusion = false;
    if (line.startsWith('!')) {
      exclusion = true;
      line = line.slice(1).trim();
      if (!line) continue;
    }
    let text = path.posix.normalize(line);
    if (text.length > 1 && text.startsWith('/')) text = text.slice(1);
    if (text.length > 1 && text.endsWith('/')) text = text.slice(0, -1);
    patterns.push({ text, exclusion, regex: compile(text) });
  }
  return patterns;
}

function compile(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (i + 1 === pattern.length) re += '.*';
        else if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRegex(pattern[++i]);
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let cls = pattern.slice(i + 1, close);
        if (cls.startsWith('^') || cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls.replace(/\\(?!.)/g, '\\\\')}]`;
        i = close;
      }
    } else re += escapeRegex(c);
  }
  return new RegExp(`${re}$`);
}

function escapeRegex(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** True when `file` (slash-separated, relative to the context) is left out of the context. */
export function isIgnored(patterns: readonly IgnorePattern[], file: string): boolean {
  const parents = file.split('/').slice(0, -1);
  let ignored = false;
  for (const p of patterns) {
    if (p.exclusion !== ignored) continue;
    let match = p.regex.test(file);
    for (let n = 1; !match && n <= parents.length; n++) match = p.regex.test(parents.slice(0, n).join('/'));
    if (match) ignored = !p.exclusion;
  }
  return ignored;
}

/** Whether a directory's contents must be walked although it is ignored (an exception may bring some back). */
export function hasExceptions(patterns: readonly IgnorePattern[]): boolean {
  return patterns.some((p) => p.exclusion);
}
