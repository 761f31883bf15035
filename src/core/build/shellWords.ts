/**
 * Variable substitution as the Dockerfile frontend's shell lexer does it for ADD, COPY, ENV,
 * EXPOSE, FROM, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR, ARG and the flags: `$X`, `${X}`,
 * `${X:-word}`, `${X-word}`, `${X:+word}`, `${X+word}`, `${X:?msg}`, quotes removed, the escape
 * character making the next character literal (inside double quotes only before `"`, `$` and
 * itself). An unset variable becomes the empty string.
 */

export class SubstitutionError extends Error {}

type Lookup = (name: string) => string | undefined;

class Lexer {
  private i = 0;

  /** `raw`: quotes and the escape character are plain text (a heredoc body). */
  constructor(private readonly text: string, private readonly env: Lookup, private readonly escape: string, private readonly raw = false) {}

  /** Words split at unquoted blanks; with `single`, the whole text is one word. */
  words(single: boolean): string[] {
    const words: string[] = [];
    let word = '';
    let inWord = false;
    while (this.i < this.text.length) {
      const c = this.text[this.i];
      if (!single && /[ \t\r\n]/.test(c)) {
        if (inWord) words.push(word);
        word = '';
        inWord = false;
        this.i++;
        continue;
      }
      inWord = true;
      if (this.raw && c !== '$') {
        word += c;
        this.i++;
      } else if (c === "'") word += this.singleQuoted();
      else if (c === '"') word += this.doubleQuoted();
      else if (c === '$') word += this.dollar();
      else if (c === this.escape) {
        this.i++;
        if (this.i < this.text.length) word += this.text[this.i++];
      } else {
        word += c;
        this.i++;
      }
    }
    if (inWord || single) words.push(word);
    return words;
  }

  private singleQuoted(): string {
    const close = this.text.indexOf("'", this.i + 1);
    if (close < 0) throw new SubstitutionError(`unexpected end of statement while looking for matching single-quote in: ${this.text}`);
    const value = this.text.slice(this.i + 1, close);
    this.i = close + 1;
    return value;
  }

  private doubleQuoted(): string {
    this.i++;
    let value = '';
    while (this.i < this.text.length) {
      const c = this.text[this.i];
      if (c === '"') {
        this.i++;
        return value;
      }
      if (c === '$') value += this.dollar();
      else if (c === this.escape && this.i + 1 < this.text.length && ['"', '$', this.escape].includes(this.text[this.i + 1])) {
        value += this.text[this.i + 1];
        this.i += 2;
      } else {
        value += c;
        this.i++;
      }
    }
    throw new SubstitutionError(`unexpected end of statement while looking for matching double-quote in: ${this.text}`);
  }

  private dollar(): string {
    this.i++;
    const c = this.text[this.i];
    if (c !== '{') {
      const name = this.name();
      if (!name) return '$';
      return this.lookup(name) ?? '';
    }
    this.i++;
    const name = this.name();
    if (!name) throw new SubstitutionError(`bad substitution in: ${this.text}`);
    if (this.text[this.i] === '}') {
      this.i++;
      return this.lookup(name) ?? '';
    }
    let op = this.text[this.i];
    if (op === ':') op += this.text[++this.i] ?? '';
    if (!/^:?[-+?]$/.test(op)) throw new SubstitutionError(`unsupported modifier (${op}) in substitution: ${this.text}`);
    this.i++;
    const word = this.untilBrace();
    const value = this.lookup(name);
    const set = op.startsWith(':') ? value !== undefined && value !== '' : value !== undefined;
    switch (op.at(-1)) {
      case '-': return set ? value! : word;
      case '+': return set ? word : '';
      default:
        if (!set) throw new SubstitutionError(`${name}: ${word || 'is not allowed to be unset'}`);
        return value!;
    }
  }

  /** The word of `${X:-word}` up to the matching `}`, itself expanded. */
  private untilBrace(): string {
    let value = '';
    while (this.i < this.text.length) {
      const c = this.text[this.i];
      if (c === '}') {
        this.i++;
        return value;
      }
      if (c === "'") value += this.singleQuoted();
      else if (c === '"') value += this.doubleQuoted();
      else if (c === '$') value += this.dollar();
      else if (c === this.escape && this.i + 1 < this.text.length) {
        value += this.text[this.i + 1];
        this.i += 2;
      } else {
        value += c;
        this.i++;
      }
    }
    throw new SubstitutionError(`syntax error: missing '}' in: ${this.text}`);
  }

  private name(): string {
    const m = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9])/.exec(this.text.slice(this.i));
    if (!m) return '';
    this.i += m[0].length;
    return m[0];
  }

  private lookup(name: string): string | undefined {
    return this.env(name);
  }
}

function lookupOf(env: Lookup | ReadonlyMap<string, string>): Lookup {
  return typeof env === 'function' ? env : (name) => env.get(name);
}

/** One word: quotes removed, variables substituted, blanks kept. */
export function expandWord(text: string, env: Lookup | ReadonlyMap<string, string>, escape = '\\'): { value: string } {
  const [value] = new Lexer(text, lookupOf(env), escape).words(true);
  return { value };
}

/** Words split at unquoted blanks (after substitution of the text as written, like COPY's sources). */
export function expandWords(text: string, env: Lookup | ReadonlyMap<string, string>, escape = '\\'): { words: string[] } {
  return { words: new Lexer(text, lookupOf(env), escape).words(false) };
}

/** A heredoc body with its variables substituted, everything else as written. */
export function expandHeredoc(body: string, env: Lookup | ReadonlyMap<string, string>): string {
  return new Lexer(body, lookupOf(env), '\\', true).words(true)[0];
}
