/** Our own reference text for each instruction and each of its flags, shown on hover and in completion. */

export interface InstructionDoc {
  readonly summary: string;
  readonly forms: readonly string[];
  readonly example: string;
  readonly mistake: string;
  readonly flags?: Readonly<Record<string, string>>;
}

export const INSTRUCTION_DOCS: Readonly<Record<string, InstructionDoc>> = {
  FROM: {
    summary: 'Starts a build stage from a base image (or `scratch`, an empty one). Every stage after the first starts again from its own FROM; `AS name` lets later stages and `COPY --from` refer to it.',
    forms: ['FROM [--platform=<platform>] <image>[:<tag>|@<digest>] [AS <name>]'],
    example: 'FROM golang:1.22 AS build\nFROM gcr.io/distroless/static:nonroot',
    mistake: 'An untagged or `:latest` image changes under you: pin a tag, or a digest for reproducible builds.',
    flags: { platform: 'The platform of the image to pull, e.g. `--platform=linux/arm64` or `--platform=$BUILDPLATFORM` to run build tools natively in a cross build. Without it, the target platform is used.' },
  },
  RUN: {
    summary: 'Runs a command in a new layer on top of the current image and commits the result.',
    forms: ['RUN <command>            (shell form: /bin/sh -c on Linux)', 'RUN ["executable", "arg"] (exec form: no shell, no variable expansion)', 'RUN <<EOF … EOF          (heredoc: a script of several lines)'],
    example: 'RUN apt-get update \\\n && apt-get install -y --no-install-recommends curl=7.88.* \\\n && rm -rf /var/lib/apt/lists/*',
    mistake: 'Each RUN is a layer: files deleted in a later RUN still ship in the earlier layer. Clean up in the same RUN that made the mess.',
    flags: {
      mount: 'Mounts something only while this RUN runs: `type=cache,target=/root/.cache` (kept between builds), `type=secret,id=npmrc` (never in the image), `type=ssh` (your SSH agent), `type=bind,from=stage,source=…,target=…`, `type=tmpfs,target=…`.',
      network: '`default`, `none` (no network: good for reproducible steps) or `host` (needs the network.host entitlement).',
      security: '`insecure` runs privileged (needs the security.insecure entitlement); `sandbox` is the default.',
      device: 'Makes a CDI device available to this RUN (labs syntax).',
    },
  },
  CMD: {
    summary: 'The default command (or default arguments to ENTRYPOINT) of a container from this image. Only the last CMD counts; `docker run image args` replaces it.',
    forms: ['CMD ["executable", "arg"]  (exec form, preferred)', 'CMD ["arg1", "arg2"]       (default arguments for ENTRYPOINT)', 'CMD command arg            (shell form: runs under /bin/sh -c)'],
    example: 'CMD ["nginx", "-g", "daemon off;"]',
    mistake: 'The shell form makes /bin/sh PID 1, so your process does not get SIGTERM on `docker stop` and is killed after the timeout.',
  },
  LABEL: {
    summary: 'Adds metadata key=value pairs to the image, shown by `docker inspect` and used by registries and scanners.',
    forms: ['LABEL <key>=<value> [<key>=<value> ...]'],
    example: 'LABEL org.opencontainers.image.source="https://example.com/repo" \\\n      org.opencontainers.image.licenses="MIT"',
    mistake: 'Values with spaces need quotes; keys should be lower-case reverse-DNS names (org.opencontainers.image.*).',
  },
  MAINTAINER: {
    summary: 'Deprecated: sets the image author. Use `LABEL org.opencontainers.image.authors="…"` instead.',
    forms: ['MAINTAINER <name>'],
    example: 'LABEL org.opencontainers.image.authors="team@example.com"',
    mistake: 'Still using it: linters flag it (DL4000) and the field is not part of the OCI image spec.',
  },
  EXPOSE: {
    summary: 'Documents the ports the container listens on. It publishes nothing: `docker run -p` or `-P` does.',
    forms: ['EXPOSE <port>[/<protocol>] ...', 'EXPOSE 8000-8010/tcp'],
    example: 'EXPOSE 8080/tcp 8125/udp',
    mistake: 'Expecting EXPOSE to make the port reachable from the host.',
  },
  ENV: {
    summary: 'Sets environment variables for the rest of the build and in containers run from the image.',
    forms: ['ENV <key>=<value> ...', 'ENV <key> <value>  (legacy, one variable)'],
    example: 'ENV PATH="/opt/app/bin:$PATH" LANG=C.UTF-8',
    mistake: 'Secrets in ENV stay in the image for anyone to read: use RUN --mount=type=secret. A variable set in an ENV cannot be used in that same ENV (DL3044).',
  },
  ADD: {
    summary: 'Copies files, directories, remote URLs or git repositories into the image; local tar archives are unpacked.',
    forms: ['ADD [--chown=<user>:<group>] [--chmod=<perms>] [--checksum=<digest>] <src>... <dest>', 'ADD ["<src>", ..., "<dest>"]'],
    example: 'ADD --checksum=sha256:… https://example.com/tool.tar.gz /opt/',
    mistake: 'Using ADD for plain files: COPY says what it does; ADD silently unpacks archives (DL3020).',
    flags: {
      chown: 'Owner of the copied files, `user:group` or numeric ids (Linux only).',
      chmod: 'Permissions of the copied files, octal (`0755`) or symbolic (`u+x`).',
      link: 'Copies into a layer of its own, independent of the layers below, so it is reused when the base changes.',
      checksum: 'Verifies a remote source: `sha256:<hex>`. The build fails if the download does not match.',
      'keep-git-dir': 'With a git source, keeps the .git directory.',
      exclude: 'Leaves out paths matching a pattern (repeatable).',
      unpack: 'Whether to unpack a remote archive: `--unpack=true` (labs syntax).',
    },
  },
  COPY: {
    summary: 'Copies files and directories from the build context, another stage, or an image into the image.',
    forms: ['COPY [--from=<stage|image>] [--chown=<user>:<group>] [--chmod=<perms>] [--link] <src>... <dest>', 'COPY ["<src>", ..., "<dest>"]', 'COPY <<EOF /path … EOF (heredoc: inline file)'],
    example: 'COPY --from=build --chown=app:app /out/app /usr/local/bin/app',
    mistake: 'Copying the whole context early (`COPY . .`) before installing dependencies busts the cache on every change; copy the manifest first. With several sources, the destination must end with `/`.',
    flags: {
      from: 'Copies from an earlier stage (by name or index) or from an image instead of the build context.',
      chown: 'Owner of the copied files, `user:group` or numeric ids (Linux only).',
      chmod: 'Permissions of the copied files, octal (`0755`) or symbolic (`u+x`).',
      link: 'Copies into a layer of its own, independent of the layers below, so it is reused when the base changes.',
      parents: 'Keeps the source path\'s parent directories under the destination.',
      exclude: 'Leaves out paths matching a pattern (repeatable).',
    },
  },
  ENTRYPOINT: {
    summary: 'The executable a container runs; CMD (or `docker run` arguments) become its arguments. Only the last ENTRYPOINT counts.',
    forms: ['ENTRYPOINT ["executable", "arg"]  (exec form, preferred)', 'ENTRYPOINT command arg            (shell form: ignores CMD and run arguments)'],
    example: 'ENTRYPOINT ["/usr/bin/tini", "--", "app"]\nCMD ["--port", "8080"]',
    mistake: 'The shell form runs under /bin/sh -c: signals do not reach your process and CMD is ignored.',
  },
  VOLUME: {
    summary: 'Marks a path as a volume: containers get an anonymous volume there unless one is mounted.',
    forms: ['VOLUME ["/data"]', 'VOLUME /data /logs'],
    example: 'VOLUME /var/lib/postgresql/data',
    mistake: 'Changes a RUN makes to that path after the VOLUME line are thrown away.',
  },
  USER: {
    summary: 'The user (and group) for the following RUN, CMD and ENTRYPOINT, and for containers.',
    forms: ['USER <user>[:<group>]', 'USER <UID>[:<GID>]'],
    example: 'RUN useradd --no-log-init -r -u 10001 app\nUSER app',
    mistake: 'Ending the image as root (DL3002). The user must exist in the image (create it first, or use a numeric id).',
  },
  WORKDIR: {
    summary: 'The working directory for the following RUN, CMD, ENTRYPOINT, COPY and ADD; created if missing.',
    forms: ['WORKDIR /path/to/dir'],
    example: 'WORKDIR /app',
    mistake: 'Using `RUN cd dir` (it lasts one RUN, DL3003), or a relative WORKDIR whose meaning depends on the one before (DL3000).',
  },
  ARG: {
    summary: 'A build argument, set with `docker build --build-arg NAME=value`. Before the first FROM it is usable in FROM lines; inside a stage it must be declared again to be used there.',
    forms: ['ARG <name>[=<default>] ...'],
    example: 'ARG VERSION=1.22\nFROM golang:${VERSION}\nARG VERSION',
    mistake: 'Expecting a global ARG inside a stage without redeclaring it; passing secrets as build args (they end up in the image history).',
  },
  ONBUILD: {
    summary: 'Registers an instruction to run when another Dockerfile uses this image as its base.',
    forms: ['ONBUILD <INSTRUCTION>'],
    example: 'ONBUILD COPY . /app/src',
    mistake: 'ONBUILD ONBUILD, ONBUILD FROM and ONBUILD MAINTAINER are not allowed (DL3043).',
  },
  STOPSIGNAL: {
    summary: 'The signal `docker stop` sends to the container\'s main process (default SIGTERM).',
    forms: ['STOPSIGNAL <signal name or number>'],
    example: 'STOPSIGNAL SIGQUIT',
    mistake: 'A process that handles a different signal for graceful shutdown (nginx: SIGQUIT) being killed after the timeout.',
  },
  HEALTHCHECK: {
    summary: 'How the engine checks that the container still works; its state shows as healthy/unhealthy.',
    forms: ['HEALTHCHECK [--interval=30s] [--timeout=30s] [--start-period=0s] [--retries=3] CMD <command>', 'HEALTHCHECK NONE  (turns off a check inherited from the base image)'],
    example: 'HEALTHCHECK --interval=30s --timeout=3s CMD wget -q --spider http://localhost:8080/health || exit 1',
    mistake: 'A check command that is not in the image (curl in a slim image): the container is unhealthy forever. Only the last HEALTHCHECK counts (DL3012).',
    flags: {
      interval: 'Time between checks (default 30s).',
      timeout: 'A check taking longer counts as failed (default 30s).',
      'start-period': 'Start-up time during which failures do not count (default 0s).',
      'start-interval': 'Time between checks during the start period (default 5s).',
      retries: 'Consecutive failures before the container is unhealthy (default 3).',
    },
  },
  SHELL: {
    summary: 'The shell used by the shell form of RUN, CMD and ENTRYPOINT from here on.',
    forms: ['SHELL ["executable", "parameters"]'],
    example: 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
    mistake: 'Pipes hide failures under the default /bin/sh: `curl … | tar x` succeeds when curl fails. Set pipefail (DL4006).',
  },
};

/** The hover text of an instruction, as markdown. */
export function instructionMarkdown(keyword: string): string | undefined {
  const doc = INSTRUCTION_DOCS[keyword];
  if (!doc) return undefined;
  return [`**${keyword}** — ${doc.summary}`, '```dockerfile\n' + doc.forms.join('\n') + '\n```', 'Example:', '```dockerfile\n' + doc.example + '\n```', `Common mistake: ${doc.mistake}`].join('\n\n');
}

export function flagMarkdown(keyword: string, flag: string): string | undefined {
  const text = INSTRUCTION_DOCS[keyword]?.flags?.[flag];
  return text && `**${keyword} --${flag}** — ${text}`;
}
