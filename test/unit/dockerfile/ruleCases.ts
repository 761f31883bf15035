import type { LintOptions } from '../../../src/dockerfile/linter';

/** A rule's cases: Dockerfiles where it must fire, and look-alikes where it must not. */
export interface RuleCases {
  readonly hit: readonly string[];
  readonly miss: readonly string[];
  readonly options?: LintOptions;
}

const F = 'FROM debian:12.5\n';
const labels = (schema: Record<string, string>, strict = false): LintOptions => ({
  config: { ignored: [], override: {}, trustedRegistries: [], labelSchema: schema, strictLabels: strict, disableIgnorePragma: false },
});

/** Every DL rule, with the false positives hadolint's users have reported among the misses. */
export const RULE_CASES: Readonly<Record<string, RuleCases>> = {
  DL1001: { options: { severities: { DL1001: 'warning' } }, hit: [`${F}# hadolint ignore=DL3059\nRUN a\nRUN b`], miss: [`${F}# just a comment\nRUN a`, `# hadolint global ignore=DL3059\n${F}RUN a`] },
  DL3000: { hit: [`${F}WORKDIR app`, `${F}WORKDIR "app/x"`], miss: [`${F}WORKDIR /app`, `${F}WORKDIR $HOME/app`, `${F}WORKDIR C:\\\\app`, `${F}WORKDIR "/app"`] },
  DL3001: { hit: [`${F}RUN service nginx start`, `${F}RUN apt-get update && vim x`], miss: [`${F}RUN echo ps`, `${F}RUN apt-get install -y procps=2`] },
  DL3002: { hit: [`${F}USER root`, `${F}USER app\nUSER 0:0`], miss: [`${F}USER root\nRUN x\nUSER app`, `${F}USER rootless`] },
  DL3003: { hit: [`${F}RUN cd /tmp && make`, `${F}RUN make && cd /x`], miss: [`${F}RUN (cd /tmp && make)`, `${F}RUN echo cd`, `${F}RUN x=$(cd /a && pwd)`, `${F}RUN git -C /x pull`] },
  DL3004: { hit: [`${F}RUN sudo apt-get update`, `${F}RUN sudo -u app make`], miss: [`${F}RUN gosu app make`, `${F}RUN echo sudo`] },
  DL3005: { hit: [`${F}RUN apt-get upgrade -y`, `${F}RUN apt-get -y dist-upgrade`], miss: [`${F}RUN apt-get update`, `${F}RUN apt-get install -y --no-install-recommends upgrade=1`.replace('upgrade=1', 'foo=1')] },
  DL3006: { hit: ['FROM debian', 'FROM registry.example.com:5000/team/app'], miss: ['FROM debian:12', 'FROM debian@sha256:' + 'a'.repeat(64), 'FROM scratch', 'ARG BASE=debian:12\nFROM ${BASE}', 'FROM debian:12 AS build\nFROM build'] },
  DL3007: { hit: ['FROM debian:latest', 'FROM localhost:5000/app:latest'], miss: ['FROM debian:12', 'FROM debian:latest@sha256:' + 'b'.repeat(64), 'FROM latest:1.0'] },
  DL3008: {
    hit: [`${F}RUN apt-get install -y --no-install-recommends curl`, `${F}RUN apt-get install -y --no-install-recommends curl=7.88 wget`, `${F}RUN /usr/bin/apt-get install -y --no-install-recommends git`],
    miss: [
      `${F}RUN apt-get install -y --no-install-recommends curl=7.88.1-10`,
      `${F}ARG CURL_VERSION\nRUN apt-get install -y --no-install-recommends curl=\${CURL_VERSION}`,
      `${F}RUN apt-get install -y --no-install-recommends $PACKAGES`,
      `${F}RUN apt-get -t bookworm-backports install -y --no-install-recommends curl=8.1`,
      `${F}RUN apt-get install -y --no-install-recommends -t bookworm-backports curl=8.1`,
      `${F}RUN apt-get install -y --no-install-recommends ./local.deb`,
      `${F}RUN apt-get install -y --no-install-recommends curl/bookworm-backports`,
      `${F}RUN echo apt-get install curl`,
    ],
  },
  DL3009: {
    hit: [`${F}RUN apt-get update && apt-get install -y --no-install-recommends a=1`, `FROM debian:12 AS base\nRUN apt-get update\nFROM base`],
    miss: [
      `${F}RUN apt-get update && apt-get install -y --no-install-recommends a=1 && rm -rf /var/lib/apt/lists/*`,
      `${F}RUN --mount=type=cache,target=/var/lib/apt/lists apt-get update`,
      `${F}RUN --mount=type=cache,target=/var/cache/apt --mount=type=cache,target=/var/lib/apt apt-get update`,
      `FROM debian:12 AS build\nRUN apt-get update\nFROM debian:12\nCOPY --from=build /x /x`,
    ],
  },
  DL3010: { hit: [`${F}COPY app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz -C /opt`, `${F}COPY data.zip.gz /d/\nRUN gunzip /d/data.zip.gz`], miss: [`${F}COPY app.tar.gz /tmp/`, `${F}COPY app.tar.gz /tmp/\nRUN tar -czf out.tar.gz /x`] },
  DL3011: { hit: [`${F}EXPOSE 80 70000`, `${F}EXPOSE 8000-70000/tcp`], miss: [`${F}EXPOSE 80/tcp 443 8000-8010`, `${F}EXPOSE $PORT`] },
  DL3012: { hit: [`${F}HEALTHCHECK CMD a\nHEALTHCHECK CMD b`], miss: [`${F}HEALTHCHECK CMD a`, `${F}HEALTHCHECK CMD a\nFROM debian:12\nHEALTHCHECK CMD b`] },
  DL3013: {
    hit: [`${F}RUN pip install --no-cache-dir flask`, `${F}RUN python3 -m pip install --no-cache-dir flask requests==2.31`, `${F}RUN pip3 install --no-cache-dir -U flask`],
    miss: [
      `${F}RUN pip install --no-cache-dir flask==3.0.0`, `${F}RUN pip install --no-cache-dir -r requirements.txt`, `${F}RUN pip install --no-cache-dir .`,
      `${F}RUN pipx install black`, `${F}RUN pip install --no-cache-dir ./dist/app-1.0-py3-none-any.whl`, `${F}RUN pip install --no-cache-dir "flask>=3,<4"`,
      `${F}RUN pip install --no-cache-dir git+https://github.com/x/y@v1.0`, `${F}RUN pip install --no-cache-dir -c constraints.txt flask`, `${F}RUN pip install --no-cache-dir $PKG`,
    ],
  },
  DL3014: { hit: [`${F}RUN apt-get install --no-install-recommends a=1`], miss: [`${F}RUN apt-get install -y --no-install-recommends a=1`, `${F}RUN apt-get -qq install --no-install-recommends a=1`, `${F}RUN apt-get install --yes --no-install-recommends a=1`, `${F}RUN apt-get install --assume-yes --no-install-recommends a=1`] },
  DL3015: { hit: [`${F}RUN apt-get install -y a=1`], miss: [`${F}RUN apt-get install -y --no-install-recommends a=1`, `${F}RUN apt-get install -y -o APT::Install-Recommends=false a=1`] },
  DL3016: { hit: [`${F}RUN npm install express`, `${F}RUN npm i -g @scope/pkg`], miss: [`${F}RUN npm install`, `${F}RUN npm ci`, `${F}RUN npm install express@4.18.2 @scope/pkg@1.0.0`, `${F}RUN npm install ./local-dir`, `${F}RUN npm install git+https://github.com/x/y.git#v1`] },
  DL3017: { hit: [`${F}RUN apk upgrade`], miss: [`${F}RUN apk add --no-cache a=1`] },
  DL3018: { hit: [`${F}RUN apk add --no-cache curl`], miss: [`${F}RUN apk add --no-cache curl=8.5.0-r0`, `${F}RUN apk add --no-cache --virtual .build-deps gcc=13.2.1-r0`, `${F}RUN apk add --no-cache $DEPS`] },
  DL3019: { hit: [`${F}RUN apk add curl=1`, `${F}RUN apk update && apk add curl=1`], miss: [`${F}RUN apk add --no-cache curl=1`, `${F}RUN --mount=type=cache,target=/var/cache/apk apk add curl=1`] },
  DL3020: { hit: [`${F}ADD app.py /app/`, `${F}ADD --chown=1:1 src/ /app/src/`], miss: [`${F}ADD app.tar.gz /opt/`, `${F}ADD https://example.com/x.bin /opt/`, `${F}ADD git@github.com:x/y.git /src`, `${F}COPY app.py /app/`] },
  DL3021: { hit: [`${F}COPY a b /dest`], miss: [`${F}COPY a b /dest/`, `${F}COPY a /dest`, `${F}COPY ["a", "b", "/dest/"]`] },
  DL3022: { hit: [`${F}COPY --from=builder /a /b`, `${F}COPY --from=later /a /b\nFROM debian:12 AS later`], miss: [`FROM debian:12 AS builder\nFROM debian:12\nCOPY --from=builder /a /b`, `FROM debian:12\nFROM debian:12\nCOPY --from=0 /a /b`, `${F}COPY --from=nginx:1.25 /etc/nginx /etc/nginx`, `${F}COPY --from=ghcr.io/x/y /a /b`] },
  DL3023: { hit: ['FROM debian:12 AS app\nCOPY --from=app /a /b'], miss: ['FROM debian:12 AS build\nFROM debian:12 AS app\nCOPY --from=build /a /b'] },
  DL3024: { hit: ['FROM debian:12 AS x\nFROM debian:12 AS x', 'FROM debian:12 AS App\nFROM debian:12 AS app'], miss: ['FROM debian:12 AS x\nFROM debian:12 AS y'] },
  DL3025: { hit: [`${F}CMD node server.js`, `${F}ENTRYPOINT /entry.sh`], miss: [`${F}CMD ["node", "server.js"]`, `${F}ENTRYPOINT ["/entry.sh"]`] },
  DL3026: {
    options: { config: { ignored: [], override: {}, trustedRegistries: ['docker.io', '*.example.com'], labelSchema: {}, strictLabels: false, disableIgnorePragma: false } },
    hit: ['FROM quay.io/team/app:1', 'FROM ghcr.io/x/y:1'], miss: ['FROM debian:12', 'FROM registry.example.com/x:1', 'FROM scratch', 'FROM debian:12 AS b\nFROM b'],
  },
  DL3027: { hit: [`${F}RUN apt install -y curl`], miss: [`${F}RUN apt-get install -y --no-install-recommends curl=1`, `${F}RUN apt-cache policy curl`] },
  DL3028: { hit: [`${F}RUN gem install bundler`], miss: [`${F}RUN gem install bundler:2.5.0`, `${F}RUN gem install bundler -v 2.5.0`, `${F}RUN gem install bundler --version 2.5.0`] },
  DL3029: { hit: ['FROM --platform=linux/amd64 debian:12'], miss: ['FROM --platform=$BUILDPLATFORM debian:12', 'FROM --platform=${TARGETPLATFORM} debian:12', 'FROM debian:12'] },
  DL3030: { hit: [`${F}RUN yum install httpd-2.4 && yum clean all`], miss: [`${F}RUN yum install -y httpd-2.4 && yum clean all`, `${F}RUN yum install --assumeyes httpd-2.4 && yum clean all`] },
  DL3031: { hit: [`${F}RUN yum update -y`], miss: [`${F}RUN yum install -y a-1 && yum clean all`] },
  DL3032: { hit: [`${F}RUN yum install -y httpd-2.4`], miss: [`${F}RUN yum install -y httpd-2.4 && yum clean all`, `${F}RUN yum install -y httpd-2.4 && rm -rf /var/cache/yum`] },
  DL3033: { hit: [`${F}RUN yum install -y httpd && yum clean all`], miss: [`${F}RUN yum install -y httpd-2.4.6 && yum clean all`, `${F}RUN yum install -y ./local.rpm && yum clean all`, `${F}RUN yum module install -y nodejs:18 && yum clean all`] },
  DL3034: { hit: [`${F}RUN zypper install httpd=2.4 && zypper clean`], miss: [`${F}RUN zypper install -y httpd=2.4 && zypper clean`, `${F}RUN zypper --non-interactive install -n httpd=2.4 && zypper clean`] },
  DL3035: { hit: [`${F}RUN zypper dist-upgrade -y`, `${F}RUN zypper dup`], miss: [`${F}RUN zypper refresh`] },
  DL3036: { hit: [`${F}RUN zypper install -y httpd=2.4`], miss: [`${F}RUN zypper install -y httpd=2.4 && zypper clean`, `${F}RUN zypper install -y httpd=2.4 && zypper cc`] },
  DL3037: { hit: [`${F}RUN zypper install -y httpd && zypper clean`], miss: [`${F}RUN zypper install -y httpd=2.4 && zypper clean`, `${F}RUN zypper install -y "httpd>=2.4" && zypper clean`] },
  DL3038: { hit: [`${F}RUN dnf install httpd-2.4 && dnf clean all`], miss: [`${F}RUN dnf install -y httpd-2.4 && dnf clean all`] },
  DL3039: { hit: [`${F}RUN dnf upgrade -y`], miss: [`${F}RUN dnf install -y a-1 && dnf clean all`] },
  DL3040: { hit: [`${F}RUN dnf install -y httpd-2.4`, `${F}RUN microdnf install -y httpd-2.4`], miss: [`${F}RUN dnf install -y httpd-2.4 && dnf clean all`, `${F}RUN microdnf install -y httpd-2.4 && microdnf clean all`, `${F}RUN --mount=type=cache,target=/var/cache/dnf dnf install -y httpd-2.4`] },
  DL3041: { hit: [`${F}RUN dnf install -y httpd && dnf clean all`], miss: [`${F}RUN dnf install -y httpd-2.4.57 && dnf clean all`, `${F}RUN dnf module install -y nodejs:18 && dnf clean all`] },
  DL3042: {
    hit: [`${F}RUN pip install flask==3.0`, `${F}RUN python -m pip install flask==3.0`, `${F}RUN echo PIP_NO_CACHE_DIR=1 && pip install flask==3.0`, `${F}RUN PIP_NO_CACHE_DIR=0 pip install flask==3.0`],
    miss: [`${F}RUN pip install --no-cache-dir flask==3.0`, `${F}ENV PIP_NO_CACHE_DIR=1\nRUN pip install flask==3.0`, `${F}RUN pipx install black`, `${F}RUN --mount=type=cache,target=/root/.cache/pip pip install flask==3.0`, `${F}RUN PIP_NO_CACHE_DIR=1 pip install flask==3.0`, `${F}RUN export PIP_NO_CACHE_DIR=true && pip install flask==3.0`, `${F}RUN env PIP_NO_CACHE_DIR=1 pip install flask==3.0`],
  },
  DL3043: { hit: [`${F}ONBUILD ONBUILD RUN x`, `${F}ONBUILD FROM debian:12`, `${F}ONBUILD MAINTAINER me`], miss: [`${F}ONBUILD RUN make`, `${F}ONBUILD COPY . /src`] },
  DL3044: { hit: [`${F}ENV A=1 B=$A`, `${F}ENV A=1 B="\${A}/x"`], miss: [`${F}ENV A=1\nENV B=$A`, `${F}ENV B=$A A=1`, `${F}ENV A=0\nENV A=1 B=$A`] },
  DL3045: { hit: [`${F}COPY app.py app/`, `FROM debian:12 AS a\nFROM a\nCOPY x y`], miss: [`${F}WORKDIR /app\nCOPY app.py .`, `${F}COPY app.py /app/`, `${F}COPY x $HOME/`, 'FROM debian:12 AS a\nWORKDIR /w\nFROM a\nCOPY x y'] },
  DL3046: { hit: [`${F}RUN useradd -u 1000000 app`], miss: [`${F}RUN useradd -l -u 1000000 app`, `${F}RUN useradd -u 1000 app`, `${F}RUN useradd --no-log-init -u 1000000 app`] },
  DL3047: { hit: [`${F}RUN wget https://x/y`], miss: [`${F}RUN wget -q https://x/y`, `${F}RUN wget --progress=dot:giga https://x/y`, `${F}RUN wget -nv https://x/y`, `${F}RUN wget -O /tmp/y https://x/y -o /dev/null`] },
  DL3048: { hit: [`${F}LABEL Version=1`, `${F}LABEL com.docker.x=1`, `${F}LABEL a..b=1`], miss: [`${F}LABEL version=1 org.opencontainers.image.title="x y"`] },
  DL3049: { options: labels({ maintainer: 'text' }), hit: [`${F}LABEL other=1`], miss: [`${F}LABEL maintainer="me"`, 'FROM debian:12 AS base\nLABEL maintainer=me\nFROM base'] },
  DL3050: { options: labels({ maintainer: 'text' }, true), hit: [`${F}LABEL maintainer=me extra=1`], miss: [`${F}LABEL maintainer=me`] },
  DL3051: { options: labels({ maintainer: 'text' }), hit: [`${F}LABEL maintainer=""`], miss: [`${F}LABEL maintainer=me`] },
  DL3052: { options: labels({ docs: 'url' }), hit: [`${F}LABEL docs=not-a-url`], miss: [`${F}LABEL docs=https://example.com/docs`] },
  DL3053: { options: labels({ created: 'rfc3339' }), hit: [`${F}LABEL created=yesterday`], miss: [`${F}LABEL created=2024-05-01T10:00:00Z`] },
  DL3054: { options: labels({ license: 'spdx' }), hit: [`${F}LABEL license=MITT`], miss: [`${F}LABEL license=MIT`, `${F}LABEL license="Apache-2.0 OR MIT"`] },
  DL3055: { options: labels({ revision: 'hash' }), hit: [`${F}LABEL revision=xyz`], miss: [`${F}LABEL revision=0123abc`, `${F}LABEL revision=${'a'.repeat(40)}`] },
  DL3056: { options: labels({ version: 'semver' }), hit: [`${F}LABEL version=1.0`], miss: [`${F}LABEL version=1.0.0-rc.1+build.5`] },
  DL3057: { options: { severities: { DL3057: 'info' } }, hit: [`${F}RUN x`], miss: [`${F}HEALTHCHECK CMD x`, 'FROM debian:12 AS base\nHEALTHCHECK CMD x\nFROM base'] },
  DL3058: { options: labels({ contact: 'email' }), hit: [`${F}LABEL contact=me`], miss: [`${F}LABEL contact=me@example.com`] },
  DL3059: { hit: [`${F}RUN a\nRUN b`, `${F}RUN a\n# a comment\nRUN b`], miss: [`${F}RUN a && b && c\nRUN d`, `${F}RUN a\nENV X=1\nRUN b`, `${F}RUN --mount=type=cache,target=/c a\nRUN b`] },
  DL3060: { hit: [`${F}RUN yarn install`], miss: [`${F}RUN yarn install && yarn cache clean`, `${F}RUN yarn build`] },
  DL3061: { hit: ['LABEL a=b\nFROM debian:12', 'RUN x\nFROM debian:12'], miss: ['ARG V=1\nFROM debian:$V', '# syntax=docker/dockerfile:1\nFROM debian:12'] },
  DL3062: { hit: [`${F}RUN go install github.com/x/y/cmd/z`, `${F}RUN go install golang.org/x/tools/gopls@latest`], miss: [`${F}RUN go install github.com/x/y/cmd/z@v1.2.3`, `${F}RUN go install ./...`, `${F}RUN go build ./...`] },
  DL3063: { hit: ['FROM debian:12 AS scratch', 'FROM debian:12 AS context'], miss: ['FROM debian:12 AS build'] },
  DL4000: { hit: [`${F}MAINTAINER me`], miss: [`${F}LABEL maintainer=me`] },
  DL4001: { hit: [`${F}RUN curl -fsSL https://x\nRUN wget -q https://y`], miss: [`${F}RUN curl -fsSL https://x`, `${F}RUN curl -fsSL https://x\nFROM debian:12\nRUN wget -q https://y`, `${F}RUN apt-get install -y --no-install-recommends curl=1 wget=1`] },
  DL4003: { hit: [`${F}CMD ["a"]\nCMD ["b"]`], miss: [`${F}CMD ["a"]`, `${F}CMD ["a"]\nFROM debian:12\nCMD ["b"]`] },
  DL4004: { hit: [`${F}ENTRYPOINT ["a"]\nENTRYPOINT ["b"]`], miss: [`${F}ENTRYPOINT ["a"]\nCMD ["b"]`] },
  DL4005: { hit: [`${F}RUN ln -sf /bin/bash /bin/sh`], miss: [`${F}SHELL ["/bin/bash", "-c"]`, `${F}RUN ln -s /a /b`] },
  DL4006: {
    hit: [`${F}RUN curl -fsSL https://x | tar xz`, `${F}SHELL ["/bin/bash", "-c"]\nRUN a | b`, `${F}RUN echo $(a | b)`],
    miss: [
      `${F}SHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN a | b`, `${F}SHELL ["/bin/bash", "-eo", "pipefail", "-c"]\nRUN a | b`, `${F}RUN set -o pipefail && a | b`,
      `${F}RUN a || b`, `${F}RUN echo "a | b"`, `${F}SHELL ["powershell", "-Command"]\nRUN Get-Process | Stop-Process`,
    ],
  },
};
