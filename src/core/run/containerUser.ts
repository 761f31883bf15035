import fs from 'node:fs';
import { resolveInRoot } from './rootPath';

export interface ResolvedUser {
  readonly uid: number;
  readonly gid: number;
  readonly home?: string;
}

function readRootFile(rootfs: string, file: string): string[][] {
  try {
    const text = fs.readFileSync(resolveInRoot(rootfs, file, { followLast: true }), 'utf8');
    return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
  } catch {
    return [];
  }
}

const NUMBER = /^\d+$/;

/**
 * A Docker `--user` value (`name`, `uid`, `name:group`, `uid:gid`, empty for root) resolved from
 * the rootfs's /etc/passwd and /etc/group, as Docker does: a numeric uid not in passwd runs with
 * gid 0; a name that is not there is an error.
 */
export function resolveUser(rootfs: string, user: string | undefined): ResolvedUser {
  if (!user) return { uid: 0, gid: 0, home: '/root' };
  const [userPart, groupPart] = user.split(':', 2);
  const passwd = readRootFile(rootfs, 'etc/passwd');
  const entry = passwd.find((f) => (NUMBER.test(userPart) ? f[2] === userPart : f[0] === userPart));
  let uid: number;
  let gid: number;
  if (entry) {
    uid = Number(entry[2]);
    gid = Number(entry[3]);
  } else if (NUMBER.test(userPart)) {
    uid = Number(userPart);
    gid = 0;
  } else {
    throw new Error(`unable to find user ${userPart}: no matching entries in the image's /etc/passwd`);
  }
  if (groupPart) {
    if (NUMBER.test(groupPart)) gid = Number(groupPart);
    else {
      const group = readRootFile(rootfs, 'etc/group').find((f) => f[0] === groupPart);
      if (!group) throw new Error(`unable to find group ${groupPart}: no matching entries in the image's /etc/group`);
      gid = Number(group[2]);
    }
  }
  // runc's limit; an image's /etc/passwd may hold anything.
  if (![uid, gid].every((id) => Number.isSafeInteger(id) && id >= 0 && id <= 0x7fffffff)) throw new Error(`uids and gids must be in range 0-2147483647 (user ${JSON.stringify(user)} is ${uid}:${gid})`);
  return { uid, gid, home: entry?.[5] };
}
