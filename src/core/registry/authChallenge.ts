/** One challenge of a `WWW-Authenticate` header: `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`. */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses a WWW-Authenticate header (RFC 7235: several challenges, quoted or token parameter values). */
export function parseChallenges(header: string | string[] | undefined): AuthChallenge[] {
  const text = Array.isArray(header) ? header.join(', ') : header ?? '';
  const out: AuthChallenge[] = [];
  const re = /\s*(?:([A-Za-z][\w!#$%&'*+.^`|~-]*)(?=\s+[\w!#$%&'*+.^`|~-]+\s*=|\s*(?:,|$))\s*)?([\w!#$%&'*+.^`|~-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*,?|\s*([A-Za-z][\w-]*)\s*,?/y;
  let current: AuthChallenge | undefined;
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text))) {
    if (m[4]) {
      current = { scheme: m[4].toLowerCase(), params: {} };
      out.push(current);
      continue;
    }
    if (m[1]) {
      current = { scheme: m[1].toLowerCase(), params: {} };
      out.push(current);
    }
    if (!current || !m[2]) continue;
    const raw = m[3];
    current.params[m[2].toLowerCase()] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  }
  return out;
}
