import assert from 'node:assert/strict';

/** XML 1.0's Char production: what a document may hold, raw or as a character reference. */
const XML_CHAR = /^[\t\n\r\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]$/u;
const NAME = '[A-Za-z_][A-Za-z0-9_.-]*';
const TAG = new RegExp(`<(/?)(${NAME})((?:\\s+${NAME}\\s*=\\s*"[^"<]*")*)\\s*(/?)>`, 'y');

/**
 * A strict XML 1.0 well-formedness check (no parser that checks characters is a dependency here,
 * and xmllint may not be installed): only allowed characters, raw or referenced; only the
 * predefined entities; tags balanced; one root; no markup characters loose in text.
 */
export function assertValidXml(text: string): void {
  for (const c of text) assert.match(c, XML_CHAR, `U+${c.codePointAt(0)!.toString(16).padStart(4, '0')} is not allowed in XML 1.0`);
  for (const m of text.matchAll(/&([^;&\s<]*)(;?)/g)) {
    assert.equal(m[2], ';', `an unterminated reference: ${m[0]}`);
    const ref = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(m[1]);
    if (!ref) {
      assert.ok(['amp', 'lt', 'gt', 'quot', 'apos'].includes(m[1]), `an undeclared entity: ${m[0]}`);
      continue;
    }
    const code = ref[1] ? parseInt(ref[1], 16) : Number(ref[2]);
    assert.ok(code <= 0x10ffff && XML_CHAR.test(String.fromCodePoint(code)), `${m[0]} refers to a character XML 1.0 does not allow`);
  }
  let i = 0;
  const declaration = /^<\?xml version="1\.0"(?: encoding="UTF-8")?\?>/.exec(text);
  if (declaration) i = declaration[0].length;
  const open: string[] = [];
  let roots = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const between = text.slice(i, lt < 0 ? text.length : lt);
    if (open.length === 0) assert.match(between, /^\s*$/, `text outside the root: ${JSON.stringify(between)}`);
    if (lt < 0) break;
    TAG.lastIndex = lt;
    const tag = TAG.exec(text);
    assert.ok(tag, `malformed markup at ${lt}: ${JSON.stringify(text.slice(lt, lt + 80))}`);
    const [, closing, name, attributes, empty] = tag;
    const names = [...attributes.matchAll(new RegExp(`(${NAME})\\s*=`, 'g'))].map((a) => a[1]);
    assert.equal(new Set(names).size, names.length, `a repeated attribute in <${name}>`);
    if (closing) {
      assert.equal(open.pop(), name, `</${name}> closes nothing open`);
    } else {
      if (open.length === 0) roots++;
      if (!empty) open.push(name);
    }
    i = TAG.lastIndex;
  }
  assert.deepEqual(open, [], 'elements left open');
  assert.equal(roots, 1, 'one root element');
}

/** One finding as any `stevedore lint` format reports it: where, and which rule. */
export interface Reported {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly rule: string;
}

const XML_REFERENCE = /&#(\d+);/g;

/**
 * The findings in an output of `stevedore lint --format FORMAT`, checking on the way that the
 * output is valid for its format (each tty/gnu line is a finding; JSON and SARIF parse; checkstyle
 * is valid XML). File names are as the format writes them (escaped in tty, gnu and checkstyle).
 */
export function reportedFindings(format: string, output: string): Reported[] {
  switch (format) {
    case 'tty':
    case 'gnu': {
      const line = format === 'tty' ? /^(.+):(\d+):(\d+) ([A-Z]+\d+) (error|warning|info|style): .+$/ : /^stevedore:(.+):(\d+):(\d+): ([A-Z]+\d+) (error|warning|info|style): .+$/;
      return output.split('\n').filter(Boolean).map((l) => {
        const m = line.exec(l);
        assert.ok(m, `not a ${format} finding line: ${JSON.stringify(l)}`);
        return { file: m[1], line: Number(m[2]), column: Number(m[3]), rule: m[4] };
      });
    }
    case 'json':
      return (JSON.parse(output) as { file: string; line: number; column: number; code: string }[]).map((f) => ({ file: f.file, line: f.line, column: f.column, rule: f.code }));
    case 'sarif': {
      const log = JSON.parse(output) as { runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }[] }[] }[] };
      return log.runs[0].results.map((r) => {
        const { artifactLocation, region } = r.locations[0].physicalLocation;
        return { file: decodeURIComponent(artifactLocation.uri), line: region.startLine, column: region.startColumn, rule: r.ruleId };
      });
    }
    case 'checkstyle': {
      assertValidXml(output);
      const out: Reported[] = [];
      for (const file of output.matchAll(/<file name="([^"]*)">\n((?: {4}<error [^\n]*\/>\n)*) {2}<\/file>/g)) {
        const name = file[1].replace(XML_REFERENCE, (_m, code: string) => String.fromCharCode(Number(code)));
        for (const e of file[2].matchAll(/<error line="(\d+)" column="(\d+)" [^>]*source="([^"]*)"\/>/g)) out.push({ file: name, line: Number(e[1]), column: Number(e[2]), rule: e[3] });
      }
      return out;
    }
    default:
      throw new Error(`unknown format ${format}`);
  }
}
