import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { resolveUser } from './containerUser';
import { resolveInRoot } from './rootPath';

export interface SandboxSpec {
  rootfs: string;
  argv: string[];
  /** `NAME=value` entries: the process's whole environment. */
  env: string[];
  cwd: string;
  /** `uid[:gid]` or names from the rootfs's /etc/passwd and /etc/group; root when absent. */
  user?: string;
  hostname?: string;
  network: 'none' | 'host';
  tty?: boolean;
}

const HOST_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Runs inside the new namespaces, before the container's process: mounts /proc, /sys and a
 * small /dev into the rootfs, sets the hostname, brings lo up in a new network namespace, then
 * execs `env -i <container env> unshare --root ... --setuid ... -- argv`, so argv becomes PID 1
 * with nothing of the host's environment. Arguments: rootfs, hostname, network, then the exec line.
 */
const SETUP = `set -e
R=$1; H=$2; NET=$3; shift 3
mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys" 2>/dev/null || mount --rbind /sys "$R/sys" 2>/dev/null || true
mount -t tmpfs -o nosuid,mode=755,size=65536k tmpfs "$R/dev"
for n in null zero random urandom full tty; do : > "$R/dev/$n"; mount --bind "/dev/$n" "$R/dev/$n"; done
mkdir -p "$R/dev/shm" "$R/dev/pts"
mount -t tmpfs -o nosuid,nodev,mode=1777 shm "$R/dev/shm"
ln -s /proc/self/fd "$R/dev/fd"; ln -s /proc/self/fd/0 "$R/dev/stdin"; ln -s /proc/self/fd/1 "$R/dev/stdout"; ln -s /proc/self/fd/2 "$R/dev/stderr"
if [ -n "$H" ]; then hostname "$H"; fi
if [ "$NET" = none ]; then ip link set lo up 2>/dev/null || true; fi
exec env -i "$@"
`;

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function findOnPath(name: string): string | undefined {
  for (const dir of HOST_PATH.split(':')) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

let support: ReturnType<typeof sandboxSupport> | undefined;

/** Whether containers can run here, and how; or why not, in words a user can act on. */
export function sandboxSupport(): { ok: true; how: string; rootless: boolean } | { ok: false; reason: string } {
  if (support) return support;
  if (process.platform !== 'linux') {
    return (support = { ok: false, reason: `containers need Linux namespaces, which ${process.platform === 'darwin' ? 'macOS' : process.platform === 'win32' ? 'Windows' : process.platform} does not have; images, registries and builds without RUN still work` });
  }
  const unshare = findOnPath('unshare');
  if (!unshare) return (support = { ok: false, reason: 'the unshare command (util-linux) is not installed; install util-linux to run containers' });
  if (isRoot()) return (support = { ok: true, how: 'unshare (util-linux) namespaces + chroot, as root', rootless: false });
  const probe = spawnSync(unshare, ['--user', '--map-root-user', '--mount', '--pid', '--fork', '--uts', '--ipc', 'true'], { encoding: 'utf8', timeout: 5000 });
  if (probe.status === 0) return (support = { ok: true, how: 'unshare (util-linux) in a user namespace (rootless)', rootless: true });
  const detail = (probe.stderr || probe.error?.message || '').trim();
  return (support = { ok: false, reason: `not running as root, and the kernel refuses an unprivileged user namespace (${detail || `exit ${probe.status}`}); allow it (sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0) or run as root` });
}

/** Makes `name` in the rootfs a real directory (an image's symlink there is replaced: mounts never follow one out). */
function mountPointDir(rootfs: string, name: string): void {
  const file = path.join(rootfs, name);
  const stat = fs.lstatSync(file, { throwIfNoEntry: false });
  if (stat?.isDirectory()) return;
  if (stat) fs.rmSync(file, { force: true });
  fs.mkdirSync(file, { mode: 0o755 });
}

/** `<env> unshare --root --wd --setgid --setuid -- argv`: the last step into the container, for start and exec. */
function execLine(spec: SandboxSpec, uid: number, gid: number, cwd: string, rootless: boolean): string[] {
  const env = spec.env.filter((e) => e.indexOf('=') > 0);
  if (!env.some((e) => e.startsWith('PATH='))) env.push(`PATH=${CONTAINER_PATH}`);
  if (spec.hostname && !env.some((e) => e.startsWith('HOSTNAME='))) env.push(`HOSTNAME=${spec.hostname}`);
  // In a user namespace only root is mapped, and setgroups() is denied: nothing to switch to.
  const user = rootless ? [] : ['--setgid', String(gid), '--setuid', String(uid)];
  return [...env, findOnPath('unshare')!, `--root=${spec.rootfs}`, `--wd=${cwd}`, ...user, '--', ...spec.argv];
}

/**
 * Fails as runc does when the container has no `command` (looked up in its PATH when it has no
 * slash), before anything starts: the message names it, and `run` exits 127 on it as docker does.
 */
function checkCommand(rootfs: string, command: string, env: readonly string[], cwd: string): void {
  const containerPath = env.findLast((e) => e.startsWith('PATH='))?.slice(5) ?? CONTAINER_PATH;
  const candidates = command.includes('/') ? [command] : containerPath.split(':').map((dir) => path.posix.join(dir || '.', command));
  const found = candidates.map((candidate) => {
    try {
      return fs.statSync(resolveInRoot(rootfs, path.posix.resolve(cwd, candidate), { followLast: true }), { throwIfNoEntry: false });
    } catch {
      return undefined; // a path out of the root, or through a file: not there for the container either
    }
  });
  if (found.some((stat) => stat?.isFile())) return;
  if (found.some((stat) => stat?.isDirectory())) throw new Error(`exec: "${command}": is a directory`);
  throw new Error(command.includes('/') ? `exec: "${command}": stat ${command}: no such file or directory` : `exec: "${command}": executable file not found in $PATH`);
}

/** The user to run as; rootless, only root (your own user, mapped) exists. */
function sandboxUser(rootfs: string, user: string | undefined, rootless: boolean): { uid: number; gid: number } {
  const resolved = resolveUser(rootfs, user);
  if (rootless && (resolved.uid !== 0 || resolved.gid !== 0)) {
    throw new Error(`user "${user}" is not available without root: a rootless container runs as root inside (mapped to your own user); run as root to use other users`);
  }
  return resolved;
}

/**
 * Starts `spec.argv` as PID 1 of new mount, PID, UTS and IPC namespaces (and network, for
 * `none`), chrooted into `spec.rootfs`, with stdio pipes. Killing the returned child (unshare)
 * kills the container with it, and so does this process's death.
 */
export function spawnSandboxed(spec: SandboxSpec): ChildProcess {
  const ok = sandboxSupport();
  if (!ok.ok) throw new Error(`cannot run containers: ${ok.reason}`);
  if (!spec.argv.length) throw new Error('no command to run: the image has no CMD or ENTRYPOINT and none was given');
  const rootfs = path.resolve(spec.rootfs);
  for (const dir of ['proc', 'sys', 'dev']) mountPointDir(rootfs, dir);
  const { uid, gid } = sandboxUser(rootfs, spec.user, ok.rootless);
  const cwd = spec.cwd || '/';
  if (!fs.statSync(resolveInRoot(rootfs, cwd, { createDirs: true, followLast: true })).isDirectory()) throw new Error(`chdir to the working directory ${JSON.stringify(cwd)} failed: not a directory`);
  checkCommand(rootfs, spec.argv[0], spec.env, cwd);
  const namespaces = ['--mount', '--uts', '--ipc', '--pid', '--fork', '--kill-child', ...(spec.network === 'none' ? ['--net'] : [])];
  const args = [findOnPath('unshare')!, ...(ok.rootless ? ['--user', '--map-root-user'] : []), ...namespaces, '--', '/bin/sh', '-c', SETUP, 'sandbox', rootfs, spec.hostname ?? '', spec.network, ...execLine({ ...spec, rootfs }, uid, gid, cwd, ok.rootless)];
  // unshare gets SIGKILL when this process dies (even by SIGKILL), and --kill-child passes it on to
  // the namespace's PID 1, which takes every process of the container with it: nothing outlives
  // the build or supervisor that started it.
  const setpriv = findOnPath('setpriv');
  const argv = setpriv ? [setpriv, '--pdeathsig', 'KILL', '--', ...args] : args;
  return spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: HOST_PATH } });
}

/**
 * Runs `spec.argv` in the running container whose PID 1 is `initPid` (`docker exec`): nsenter
 * joins its namespaces (its mount namespace still has the host's tree, the container being a
 * chroot inside it), then the same last step as at start chroots, changes dir and user.
 */
export function spawnInSandbox(initPid: number, spec: SandboxSpec): ChildProcess {
  const [command, ...args] = sandboxExecArgv(initPid, spec);
  return spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: HOST_PATH } });
}

/** The command line of spawnInSandbox, for running it elsewhere (on a pty). */
export function sandboxExecArgv(initPid: number, spec: SandboxSpec): string[] {
  const ok = sandboxSupport();
  if (!ok.ok) throw new Error(`cannot run containers: ${ok.reason}`);
  const rootfs = path.resolve(spec.rootfs);
  const { uid, gid } = sandboxUser(rootfs, spec.user, ok.rootless);
  const nsenter = findOnPath('nsenter');
  if (!nsenter) throw new Error('the nsenter command (util-linux) is not installed');
  const namespaces = [...(ok.rootless ? ['--user', '--preserve-credentials'] : []), '--mount', '--uts', '--ipc', '--net', '--pid'];
  return [nsenter, '--target', String(initPid), ...namespaces, '--', findOnPath('env')!, '-i', ...execLine({ ...spec, rootfs }, uid, gid, spec.cwd || '/', ok.rootless)];
}

/** The host PID of the container's PID 1: the child of the unshare process `unsharePid`. */
export function sandboxInitPid(unsharePid: number): number | undefined {
  try {
    const children = fs.readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim();
    const pid = Number(children.split(/\s+/)[0]);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
