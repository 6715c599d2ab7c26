import { readFile } from 'node:fs/promises';
import type { Runner } from './runner.js';

/** A local account, as the password database has it. */
export interface UserAccount {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** The accounts of a `passwd(5)` text; malformed lines are skipped. */
export function parsePasswd(text: string): UserAccount[] {
  const accounts: UserAccount[] = [];
  for (const line of text.split(/\r?\n/)) {
    const [name, , uid, gid, , home] = line.split(':');
    if (!name || name.startsWith('#') || home === undefined) continue;
    const u = Number(uid);
    const g = Number(gid);
    if (!Number.isInteger(u) || !Number.isInteger(g) || uid === '' || gid === '') continue;
    accounts.push({ name, uid: u, gid: g, home });
  }
  return accounts;
}

export interface LookupUserOptions {
  /** @default '/etc/passwd' */
  passwdFile?: string;
  /** Asks `getent passwd` when the file does not list the user (LDAP, systemd-homed...). */
  runner?: Runner;
}

/**
 * The account named `name`, or undefined when there is none. The file answers first, as it
 * does for nearly every machine and costs no process; `getent` then asks the other databases
 * the name service is configured with.
 */
export async function lookupUser(
  name: string,
  o: LookupUserOptions = {},
): Promise<UserAccount | undefined> {
  const text = await readFile(o.passwdFile ?? '/etc/passwd', 'utf8').catch(() => '');
  const found = parsePasswd(text).find((a) => a.name === name);
  if (found || !o.runner) return found;
  const r = await o.runner
    .run('getent', ['passwd', name], { timeout: 10_000 })
    .catch(() => undefined);
  return r?.exitCode === 0 ? parsePasswd(r.stdout).find((a) => a.name === name) : undefined;
}

/**
 * The argv prefix that runs a program as `account`, from root: `setpriv` changes the ids and
 * groups and then execs, so the program keeps the pid a supervisor watches (unlike `su`).
 */
export function runAsPrefix(account: Pick<UserAccount, 'uid' | 'gid'>): string[] {
  return ['setpriv', `--reuid=${account.uid}`, `--regid=${account.gid}`, '--init-groups', '--'];
}
