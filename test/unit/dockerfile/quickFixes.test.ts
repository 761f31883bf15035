import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lintDockerfile } from '../../../src/dockerfile/linter';
import { applyEdits, pinImageFix, quickFixes } from '../../../src/dockerfile/quickFixes';

const F = 'FROM debian:12.5\n';
/** A Dockerfile with the finding, and what the fixed one must read. */
const CASES: Record<string, { text: string; expect: string; title?: RegExp }> = {
  DL3014: { text: `${F}RUN apt-get install --no-install-recommends curl=1`, expect: `${F}RUN apt-get install -y --no-install-recommends curl=1` },
  DL3015: { text: `${F}RUN apt-get install -y curl=1`, expect: `${F}RUN apt-get install --no-install-recommends -y curl=1` },
  DL3009: { text: `${F}RUN apt-get update \\\n && apt-get install -y --no-install-recommends curl=1`, expect: `${F}RUN apt-get update \\\n && apt-get install -y --no-install-recommends curl=1 && rm -rf /var/lib/apt/lists/*` },
  DL3025: { text: `${F}CMD node server.js --port 80`, expect: `${F}CMD ["node", "server.js", "--port", "80"]` },
  DL3020: { text: `${F}ADD --chown=1:1 app.py /app/`, expect: `${F}COPY --chown=1:1 app.py /app/` },
  DL3003: { text: `${F}RUN cd /src && make`, expect: `${F}WORKDIR /src\nRUN make` },
  DL4006: { text: `${F}RUN curl -fsSL https://x | tar xz`, expect: `${F}RUN set -o pipefail && curl -fsSL https://x | tar xz` },
  DL3059: { text: `${F}RUN mkdir /a\nRUN touch /a/b`, expect: `${F}RUN mkdir /a \\\n    && touch /a/b` },
  DL4000: { text: `${F}MAINTAINER Jane "J" Doe`, expect: `${F}LABEL org.opencontainers.image.authors="Jane \\"J\\" Doe"` },
  DL3047: { text: `${F}RUN wget https://x/y`, expect: `${F}RUN wget --progress=dot:giga https://x/y` },
  DL3019: { text: `${F}RUN apk add curl=8.5.0-r0`, expect: `${F}RUN apk add --no-cache curl=8.5.0-r0` },
  DL3042: { text: `${F}RUN pip install flask==3.0.0`, expect: `${F}RUN pip install --no-cache-dir flask==3.0.0` },
  DL3030: { text: `${F}RUN yum install httpd-2.4 && yum clean all`, expect: `${F}RUN yum install -y httpd-2.4 && yum clean all` },
  DL3038: { text: `${F}RUN dnf install httpd-2.4 && dnf clean all`, expect: `${F}RUN dnf install -y httpd-2.4 && dnf clean all` },
  DL3034: { text: `${F}RUN zypper install httpd=2.4 && zypper clean`, expect: `${F}RUN zypper install -y httpd=2.4 && zypper clean` },
  DL3027: { text: `${F}RUN apt install -y --no-install-recommends curl=1`, expect: `${F}RUN apt-get install -y --no-install-recommends curl=1` },
  DL3021: { text: `${F}COPY a b /dest`, expect: `${F}COPY a b /dest/` },
  DL3004: { text: `${F}RUN sudo make install`, expect: `${F}RUN make install` },
  DF001: { text: `${F}RUNN make`, expect: `${F}RUN make` },
};

function firstFinding(text: string, rule: string) {
  const result = lintDockerfile(text);
  const finding = result.findings.find((f) => f.rule === rule);
  assert.ok(finding, `no ${rule} in:\n${text}`);
  return { result, finding };
}

function count(text: string, rule: string): number {
  return lintDockerfile(text).findings.filter((f) => f.rule === rule).length;
}

describe('quick fixes', () => {
  test('at least 12 rules have a fix of their own (besides the ignore comment)', () => {
    assert.ok(Object.keys(CASES).length >= 12);
  });

  for (const [rule, c] of Object.entries(CASES)) {
    test(`${rule}: the fix gives the expected text, parses clean and removes the finding`, () => {
      const { result, finding } = firstFinding(c.text, rule);
      const fixes = quickFixes(result.model, finding).filter((f) => !f.title.startsWith('Ignore'));
      assert.ok(fixes.length > 0, `no fix for ${rule}`);
      const fix = fixes.find((f) => f.preferred) ?? fixes[0];
      const fixed = applyEdits(c.text, fix.edits);
      assert.equal(fixed, c.expect);
      assert.equal(count(fixed, rule), count(c.text, rule) - 1);
      const builds = (t: string) => lintDockerfile(t).findings.filter((f) => f.rule.startsWith('DF') && f.rule !== rule).length;
      assert.equal(builds(fixed), builds(c.text), 'the fix must not make the Dockerfile worse for a build');
    });
  }

  test('DL4006 also offers SHELL with pipefail, which fixes it too', () => {
    const text = `${F}RUN a | b`;
    const { result, finding } = firstFinding(text, 'DL4006');
    const shell = quickFixes(result.model, finding).find((f) => f.title.startsWith('Add SHELL'))!;
    const fixed = applyEdits(text, shell.edits);
    assert.equal(fixed, `${F}SHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN a | b`);
    assert.equal(count(fixed, 'DL4006'), 0);
  });

  test('DL3025: a command line that needs a shell keeps it', () => {
    const text = `${F}CMD echo $HOME && sleep 1`;
    const { result, finding } = firstFinding(text, 'DL3025');
    const fixed = applyEdits(text, quickFixes(result.model, finding)[0].edits);
    assert.equal(fixed, `${F}CMD ["/bin/sh", "-c", "echo $HOME && sleep 1"]`);
  });

  test('DL3009 in a heredoc RUN adds the cleanup before the terminator', () => {
    const text = `${F}RUN <<EOF\napt-get update\napt-get install -y --no-install-recommends a=1\nEOF`;
    const { result, finding } = firstFinding(text, 'DL3009');
    const fixed = applyEdits(text, quickFixes(result.model, finding)[0].edits);
    assert.equal(count(fixed, 'DL3009'), 0);
    assert.match(fixed, /a=1\nrm -rf \/var\/lib\/apt\/lists\/\*\nEOF$/);
  });

  test('DL3059 is not offered when merging would comment out the next command', () => {
    const text = `${F}RUN make # build\nRUN make install`;
    const { result, finding } = firstFinding(text, 'DL3059');
    assert.deepEqual(quickFixes(result.model, finding).map((f) => f.title), ['Ignore DL3059 for this instruction']);
  });

  test('the ignore fix works for any rule, and extends an ignore comment already there', () => {
    for (const [rule, c] of Object.entries(CASES)) {
      const { result, finding } = firstFinding(c.text, rule);
      const ignore = quickFixes(result.model, finding).find((f) => f.title.startsWith('Ignore'))!;
      assert.equal(count(applyEdits(c.text, ignore.edits), rule), count(c.text, rule) - 1, rule);
    }
    const text = `${F}# hadolint ignore=DL3015\nRUN apt-get install curl=1`;
    const { result, finding } = firstFinding(text, 'DL3014');
    const fixed = applyEdits(text, quickFixes(result.model, finding).find((f) => f.title.startsWith('Ignore'))!.edits);
    assert.match(fixed, /# hadolint ignore=DL3015,DL3014\n/);
    assert.equal(count(fixed, 'DL3014'), 0);
  });

  test('DL3006/DL3007: pinning FROM to the digest the engine has', () => {
    const digest = `sha256:${'c'.repeat(64)}`;
    for (const [text, expect] of [['FROM debian', `FROM debian@${digest}`], ['FROM debian:latest AS a', `FROM debian:latest@${digest} AS a`]]) {
      const rule = text.includes('latest') ? 'DL3007' : 'DL3006';
      const { result, finding } = firstFinding(text, rule);
      const fixed = applyEdits(text, pinImageFix(result.model, finding, digest)!.edits);
      assert.equal(fixed, expect);
      assert.equal(count(fixed, rule), 0);
    }
    const { result, finding } = firstFinding('FROM debian', 'DL3006');
    assert.equal(pinImageFix(result.model, finding, 'not-a-digest'), undefined);
  });
});
