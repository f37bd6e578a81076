import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { badParameter } from '../../errors/engine-error.js';
import type { UserIds } from './spec.js';

interface Entry {
  name: string;
  id: number;
  /** passwd: primary gid; group: member names. */
  extra: string;
}

async function readDatabase(rootfs: string, file: string): Promise<Entry[]> {
  const text = await readFile(join(rootfs, 'etc', file), 'utf8').catch(() => '');
  return text
    .split('\n')
    .map((line) => line.split(':'))
    .filter((fields) => fields.length >= 4 && fields[0] && !fields[0].startsWith('#'))
    .map((fields) => ({
      name: fields[0] as string,
      id: Number(fields[2]),
      extra: fields[3] ?? '',
    }));
}

const numeric = (value: string) => /^\d+$/.test(value);

/**
 * Resolves Docker's `user[:group]` (names or numbers) against the image's /etc/passwd
 * and /etc/group, as Docker does: a numeric uid need not exist, a name must.
 */
export async function resolveUser(rootfs: string, spec: string): Promise<UserIds> {
  const [userPart = '', groupPart] = spec.split(':');
  const passwd = await readDatabase(rootfs, 'passwd');
  const groups = await readDatabase(rootfs, 'group');
  let uid = 0;
  let gid = 0;
  let userName: string | undefined = 'root';
  if (userPart !== '') {
    const entry = passwd.find((candidate) =>
      numeric(userPart) ? candidate.id === Number(userPart) : candidate.name === userPart,
    );
    if (!entry && !numeric(userPart)) {
      throw badParameter(`unable to find user ${userPart}: no matching entries in passwd file`);
    }
    uid = entry ? entry.id : Number(userPart);
    gid = entry ? Number(entry.extra) || 0 : 0;
    userName = entry?.name;
  }
  if (groupPart !== undefined && groupPart !== '') {
    const group = groups.find((candidate) =>
      numeric(groupPart) ? candidate.id === Number(groupPart) : candidate.name === groupPart,
    );
    if (!group && !numeric(groupPart)) {
      throw badParameter(`unable to find group ${groupPart}: no matching entries in group file`);
    }
    gid = group ? group.id : Number(groupPart);
  }
  const additionalGids =
    userName === undefined
      ? []
      : groups
          .filter((group) => group.extra.split(',').includes(userName) && group.id !== gid)
          .map((group) => group.id);
  return { uid, gid, additionalGids };
}
