import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lintDockerfile } from '../../../src/dockerfile/linter';

/** A Dockerfile using the BuildKit syntax of docker/dockerfile:1 throughout; it builds. */
const BUILDKIT = `# syntax=docker/dockerfile:1.7
# check=skip=JSONArgsRecommended;error=true
# escape=\\
ARG GO_VERSION=1.22
ARG BASE=debian:12.5
FROM --platform=$BUILDPLATFORM golang:\${GO_VERSION} AS build
ARG TARGETOS TARGETARCH
WORKDIR /src
RUN --mount=type=cache,target=/root/.cache/go-build \\
    --mount=type=bind,source=go.mod,target=go.mod \\
    --mount=type=secret,id=netrc,target=/root/.netrc,required=true \\
    --mount=type=ssh \\
    --mount=type=tmpfs,target=/tmp \\
    --network=none \\
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app ./cmd/app
RUN --security=sandbox --network=default <<EOF
set -eu
echo "built for \${TARGETARCH}"
EOF
RUN <<-EOT bash
	set -euo pipefail
	ls /out | sort
	EOT
COPY <<EOF /etc/app.conf
listen = 8080
EOF
COPY <<"CONF" <<'MORE' /etc/
raw $HOME
CONF
more
MORE

FROM \${BASE} AS runtime
COPY --link --chmod=0755 --chown=1000:1000 --from=build /out/app /usr/local/bin/app
COPY --parents --exclude=*.md --exclude=docs/ ./config/ /etc/app/
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool.tar.gz /opt/
ADD --keep-git-dir=true git@github.com:moby/buildkit.git#v0.13.0 /src/buildkit
ADD --link --chmod=u+x https://example.com/script.sh /usr/local/bin/
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --start-interval=1s --retries=3 CMD ["/usr/local/bin/app", "health"]
STOPSIGNAL SIGQUIT
USER 1000:1000
ENTRYPOINT ["/usr/local/bin/app"]
`;

describe('BuildKit syntax', () => {
  test('gives no error-level finding and no build check (DF) finding at all', () => {
    const findings = lintDockerfile(BUILDKIT).findings;
    assert.deepEqual(findings.filter((f) => f.severity === 'error' || f.rule.startsWith('DF')).map((f) => `${f.rule} ${f.range.start.line + 1}: ${f.message}`), []);
  });

  test('heredocs: bodies and terminators as BuildKit reads them', () => {
    const r = lintDockerfile(BUILDKIT);
    const copies = r.doc.instructions.filter((i) => i.keyword === 'COPY' && i.heredocs.length);
    assert.deepEqual(copies.map((c) => c.heredocs.map((h) => [h.name, h.quoted, h.body])), [[['EOF', false, 'listen = 8080\n']], [['CONF', true, 'raw $HOME\n'], ['MORE', true, 'more\n']]]);
    const tabbed = r.doc.instructions.find((i) => i.heredocs[0]?.name === 'EOT')!;
    assert.equal(tabbed.heredocs[0].body, 'set -euo pipefail\nls /out | sort\n');
  });

  test('heredoc bodies are not instructions, whatever they hold', () => {
    const text = 'FROM debian:12\nRUN <<EOF\nFROM nothing\nWORKDIR relative\nMAINTAINER nobody\nEOF\nCOPY <<EOF /x\nRUN sudo\nEOF';
    const r = lintDockerfile(text);
    assert.deepEqual(r.doc.instructions.map((i) => i.keyword), ['FROM', 'RUN', 'COPY']);
    assert.deepEqual(r.findings.map((f) => f.rule), []);
  });

  test('an unterminated heredoc is reported where it starts', () => {
    const r = lintDockerfile('FROM debian:12\nRUN <<EOF\necho hi\n');
    const f = r.findings.find((x) => x.rule === 'DF011');
    assert.ok(f);
    assert.equal(f.range.start.line, 1);
  });
});

describe('build checks (DF rules)', () => {
  const rules = (text: string) => lintDockerfile(text).findings.filter((f) => f.rule.startsWith('DF')).map((f) => f.rule);
  const cases: [string, string, string[]][] = [
    ['unknown instruction, with a suggestion', 'FROM debian:12\nRUNN echo', ['DF001']],
    ['missing arguments', 'FROM debian:12\nWORKDIR', ['DF002']],
    ['unknown flag', 'FROM debian:12\nCOPY --form=build a /b', ['DF003']],
    ['bad --network', 'FROM debian:12\nRUN --network=bridge echo', ['DF004']],
    ['bad mount type', 'FROM debian:12\nRUN --mount=type=volume,target=/x echo', ['DF004']],
    ['cache mount without target', 'FROM debian:12\nRUN --mount=type=cache echo', ['DF004']],
    ['bad --chmod', 'FROM debian:12\nCOPY --chmod=999 a /b', ['DF004']],
    ['duplicate --from', 'FROM debian:12 AS a\nFROM debian:12\nCOPY --from=a --from=a x /y', ['DF004']],
    ['bad healthcheck duration', 'FROM debian:12\nHEALTHCHECK --interval=often CMD x', ['DF004']],
    ['bad port', 'FROM debian:12\nEXPOSE http', ['DF005']],
    ['bad signal', 'FROM debian:12\nSTOPSIGNAL SIGNOPE', ['DF006']],
    ['bad stage name', 'FROM debian:12 AS 1st', ['DF007']],
    ['bad escape directive', '# escape=x\nFROM debian:12', ['DF008']],
    ['invalid JSON exec form', 'FROM debian:12\nCMD [\'a\', \'b\']', ['DF009']],
    ['ENV without value', 'FROM debian:12\nENV ONLYKEY', ['DF010']],
    ['SHELL not JSON', 'FROM debian:12\nSHELL /bin/bash -c', ['DF010']],
    ['COPY without destination', 'FROM debian:12\nCOPY onlyone', ['DF010']],
    ['HEALTHCHECK NONE with arguments', 'FROM debian:12\nHEALTHCHECK NONE x', ['DF010']],
    ['no FROM', 'RUN echo', ['DF012']],
    ['a shell nested past the parser\'s depth', `FROM debian:12\nRUN ${'$('.repeat(1876)}`, ['DF013']],
    ['ONBUILD ONBUILD, however deep', `FROM debian:12\n${'ONBUILD '.repeat(100_000)}RUN x`, []],
    ['an ENV of 200,000 pairs (more than a spread fits on the stack)', `FROM debian:12\nENV ${'a=1 '.repeat(200_000)}`, []],
    ['an image reference Docker rejects', 'FROM Debian:12', ['DF010']],
  ];
  for (const [name, text, expected] of cases) test(name, () => assert.deepEqual(rules(text), expected));

  test('lower-case instructions and ARG before FROM are fine', () => {
    assert.deepEqual(rules('arg V=12\nfrom debian:$V as base\nrun echo hi\ncmd ["x"]'), []);
  });

  test('with the backtick escape directive, backslashes are ordinary', () => {
    const r = lintDockerfile('# escape=`\nFROM mcr.microsoft.com/windows/nanoserver:ltsc2022\nWORKDIR C:\\app\nCOPY a.txt `\n   C:\\app\\');
    assert.deepEqual(r.findings.filter((f) => f.rule.startsWith('DF')).map((f) => f.rule), []);
    assert.equal(r.doc.instructions.length, 3);
  });
});
