import type { Severity } from './ruleTypes';

export interface RuleInfo {
  readonly id: string;
  readonly severity: Severity;
  readonly message: string;
  /** Rules that read the commands of RUN: off where the shell is not POSIX (SHELL powershell, `# hadolint shell=`). */
  readonly shell?: boolean;
  /** Where a user reads more. */
  readonly url: string;
}

const hadolint = (id: string, severity: Severity, message: string, shell = false): RuleInfo =>
  ({ id, severity, message, shell, url: `https://github.com/hadolint/hadolint/wiki/${id}` });
const builder = (id: string, severity: Severity, message: string, anchor: string): RuleInfo =>
  ({ id, severity, message, url: `https://docs.docker.com/reference/dockerfile/${anchor}` });

/** hadolint's 71 DL rules, with its ids, default severities and messages. */
export const HADOLINT_RULES: readonly RuleInfo[] = [
  hadolint('DL1001', 'ignore', 'Please refrain from using inline ignore pragmas `# hadolint ignore=DLxxxx`.'),
  hadolint('DL3000', 'error', 'Use absolute WORKDIR.'),
  hadolint('DL3001', 'info', 'For some bash commands it makes no sense running them in a Docker container like `ssh`, `vim`, `shutdown`, `service`, `ps`, `free`, `top`, `kill`, `mount`, `ifconfig`.', true),
  hadolint('DL3002', 'warning', 'Last USER should not be root.'),
  hadolint('DL3003', 'warning', 'Use WORKDIR to switch to a directory.', true),
  hadolint('DL3004', 'error', 'Do not use sudo as it leads to unpredictable behavior. Use a tool like gosu to enforce root.', true),
  hadolint('DL3005', 'error', 'Do not use apt-get upgrade or dist-upgrade.', true),
  hadolint('DL3006', 'warning', 'Always tag the version of an image explicitly.'),
  hadolint('DL3007', 'warning', 'Using latest is prone to errors if the image will ever update. Pin the version explicitly to a release tag.'),
  hadolint('DL3008', 'warning', 'Pin versions in apt-get install. Instead of `apt-get install <package>` use `apt-get install <package>=<version>`.', true),
  hadolint('DL3009', 'info', 'Delete the apt-get lists after installing something.', true),
  hadolint('DL3010', 'info', 'Use ADD for extracting archives into an image.', true),
  hadolint('DL3011', 'error', 'Valid UNIX ports range from 0 to 65535.'),
  hadolint('DL3012', 'error', 'Multiple HEALTHCHECK instructions.'),
  hadolint('DL3013', 'warning', 'Pin versions in pip. Instead of `pip install <package>` use `pip install <package>==<version>` or `pip install --requirement <requirements file>`.', true),
  hadolint('DL3014', 'warning', 'Use the `-y` switch to avoid manual input `apt-get -y install <package>`.', true),
  hadolint('DL3015', 'info', 'Avoid additional packages by specifying `--no-install-recommends`.', true),
  hadolint('DL3016', 'warning', 'Pin versions in npm. Instead of `npm install <package>` use `npm install <package>@<version>`.', true),
  hadolint('DL3017', 'error', 'Do not use apk upgrade.', true),
  hadolint('DL3018', 'warning', 'Pin versions in apk add. Instead of `apk add <package>` use `apk add <package>=<version>`.', true),
  hadolint('DL3019', 'info', 'Use the `--no-cache` switch to avoid the need to use `--update` and remove `/var/cache/apk/*` when done installing packages.', true),
  hadolint('DL3020', 'error', 'Use COPY instead of ADD for files and folders.'),
  hadolint('DL3021', 'error', 'COPY with more than 2 arguments requires the last argument to end with /'),
  hadolint('DL3022', 'warning', 'COPY --from should reference a previously defined FROM alias.'),
  hadolint('DL3023', 'error', 'COPY --from cannot reference its own FROM alias.'),
  hadolint('DL3024', 'error', 'FROM aliases (stage names) must be unique.'),
  hadolint('DL3025', 'warning', 'Use arguments JSON notation for CMD and ENTRYPOINT arguments.'),
  hadolint('DL3026', 'error', 'Use only an allowed registry in the FROM image.'),
  hadolint('DL3027', 'warning', 'Do not use apt as it is meant to be an end-user tool, use apt-get or apt-cache instead.', true),
  hadolint('DL3028', 'warning', 'Pin versions in gem install. Instead of `gem install <gem>` use `gem install <gem>:<version>`.', true),
  hadolint('DL3029', 'warning', 'Do not use --platform flag with FROM.'),
  hadolint('DL3030', 'warning', 'Use the -y switch to avoid manual input `yum install -y <package>`.', true),
  hadolint('DL3031', 'error', 'Do not use yum update.', true),
  hadolint('DL3032', 'warning', '`yum clean all` missing after yum command.', true),
  hadolint('DL3033', 'warning', 'Specify version with `yum install -y <package>-<version>`.', true),
  hadolint('DL3034', 'warning', 'Non-interactive switch missing from `zypper` command: `zypper install -y`.', true),
  hadolint('DL3035', 'warning', 'Do not use `zypper dist-upgrade`.', true),
  hadolint('DL3036', 'warning', '`zypper clean` missing after zypper use.', true),
  hadolint('DL3037', 'warning', 'Specify version with `zypper install -y <package>=<version>`.', true),
  hadolint('DL3038', 'warning', 'Use the -y switch to avoid manual input `dnf install -y <package>`.', true),
  hadolint('DL3039', 'error', 'Do not use dnf update.', true),
  hadolint('DL3040', 'warning', '`dnf clean all` missing after dnf command.', true),
  hadolint('DL3041', 'warning', 'Specify version with `dnf install -y <package>-<version>`.', true),
  hadolint('DL3042', 'warning', 'Avoid use of cache directory with pip. Use `pip install --no-cache-dir <package>`.', true),
  hadolint('DL3043', 'error', '`ONBUILD`, `FROM` or `MAINTAINER` triggered from within `ONBUILD` instruction.'),
  hadolint('DL3044', 'error', 'Do not refer to an environment variable within the same `ENV` statement where it is defined.'),
  hadolint('DL3045', 'warning', '`COPY` to a relative destination without `WORKDIR` set.'),
  hadolint('DL3046', 'warning', '`useradd` without flag `-l` and high UID will result in excessively large Image.', true),
  hadolint('DL3047', 'info', 'Avoid use of wget without progress bar. Use `wget --progress=dot:giga <url>`. Or consider using `-q` or `-nv` (shorthands for `--quiet` or `--no-verbose`).', true),
  hadolint('DL3048', 'style', 'Invalid label key.'),
  hadolint('DL3049', 'info', 'Label `<label>` is missing.'),
  hadolint('DL3050', 'info', 'Superfluous label(s) present.'),
  hadolint('DL3051', 'warning', 'Label `<label>` is empty.'),
  hadolint('DL3052', 'warning', 'Label `<label>` is not a valid URL.'),
  hadolint('DL3053', 'warning', 'Label `<label>` is not a valid time format - must conform to RFC3339.'),
  hadolint('DL3054', 'warning', 'Label `<label>` is not a valid SPDX license identifier.'),
  hadolint('DL3055', 'warning', 'Label `<label>` is not a valid git hash.'),
  hadolint('DL3056', 'warning', 'Label `<label>` does not conform to semantic versioning.'),
  hadolint('DL3057', 'ignore', '`HEALTHCHECK` instruction missing.'),
  hadolint('DL3058', 'warning', 'Label `<label>` is not a valid email format - must conform to RFC5322.'),
  hadolint('DL3059', 'info', 'Multiple consecutive `RUN` instructions. Consider consolidation.', true),
  hadolint('DL3060', 'info', '`yarn cache clean` missing after `yarn install` was run.', true),
  hadolint('DL3061', 'error', 'Invalid instruction order. Dockerfile must begin with `FROM`, `ARG` or comment.'),
  hadolint('DL3062', 'warning', 'Pin versions in go install. Instead of `go install <package>` use `go install <package>@<version>`.', true),
  hadolint('DL3063', 'warning', 'Stage name should not be a reserved word.'),
  hadolint('DL4000', 'error', 'MAINTAINER is deprecated.'),
  hadolint('DL4001', 'warning', 'Either use Wget or Curl but not both.', true),
  hadolint('DL4003', 'warning', 'Multiple `CMD` instructions found. If you list more than one `CMD` then only the last `CMD` will take effect.'),
  hadolint('DL4004', 'error', 'Multiple `ENTRYPOINT` instructions found. If you list more than one `ENTRYPOINT` then only the last `ENTRYPOINT` will take effect.'),
  hadolint('DL4005', 'warning', 'Use SHELL to change the default shell.', true),
  hadolint('DL4006', 'warning', 'Set the SHELL option -o pipefail before RUN with a pipe in it. If you are using /bin/sh in an alpine image or if your shell is symlinked to busybox then consider explicitly setting your SHELL to /bin/ash, or disable this check.', true),
];

/** What a build would reject (or, for DF009, silently do otherwise than it reads): our own ids. */
export const BUILD_RULES: readonly RuleInfo[] = [
  builder('DF001', 'error', 'Unknown instruction.', '#overview'),
  builder('DF002', 'error', 'The instruction is missing its arguments.', '#overview'),
  builder('DF003', 'error', 'Unknown flag for this instruction.', '#overview'),
  builder('DF004', 'error', 'Invalid flag value.', '#overview'),
  builder('DF005', 'error', 'Invalid port or protocol.', '#expose'),
  builder('DF006', 'error', 'Invalid stop signal.', '#stopsignal'),
  builder('DF007', 'error', 'Invalid stage name.', '#from'),
  builder('DF008', 'error', 'Invalid parser directive.', '#parser-directives'),
  builder('DF009', 'warning', 'Not valid JSON: this runs in shell form.', '#shell-and-exec-form'),
  builder('DF010', 'error', 'Invalid arguments.', '#overview'),
  builder('DF011', 'error', 'Unterminated heredoc.', '#here-documents'),
  builder('DF012', 'error', 'No FROM: a Dockerfile must have a build stage.', '#from'),
  builder('DF013', 'warning', 'The shell nests too deeply to check.', '#run'),
  builder('DF014', 'error', 'The linter failed on this file, so it was not checked (the other files were): please report this with the file.', '#overview'),
];

export const ALL_RULES: readonly RuleInfo[] = [...HADOLINT_RULES, ...BUILD_RULES];

const byId = new Map(ALL_RULES.map((r) => [r.id, r]));

export function ruleInfo(id: string): RuleInfo | undefined {
  return byId.get(id);
}
