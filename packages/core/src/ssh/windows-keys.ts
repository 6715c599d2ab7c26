import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  iniValue,
  type PublicKey,
  parseAuthorizedKeys,
  type Runner,
  readIfExists,
  runPowerShell,
  WSL_CONF_PATH,
  windowsToWslPath,
} from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { underRoot } from '../paths.js';

/** The public keys of the Windows user, read through the drive WSL mounts. */
export interface WindowsKeys {
  /** The Windows account name (its folder under C:\Users). */
  user: string;
  /** `C:\Users\NAME\.ssh`, as Windows names it. */
  folder: string;
  /** The files read, as this machine sees them. */
  files: string[];
  keys: PublicKey[];
  /** Lines of those files that are not keys (skipped). */
  invalid: number;
}

// Profiles every Windows has; none is a person's.
const NOT_PEOPLE = new Set(['all users', 'default', 'default user', 'public', 'wsiaccount']);

/** Where WSL mounts the Windows drives: `[automount] root` in wsl.conf, else /mnt/. */
async function mountRoot(ctx: MeshContext): Promise<string> {
  const conf = await readIfExists(underRoot(ctx.paths.root, WSL_CONF_PATH)).catch(() => undefined);
  const root = (conf && iniValue(conf, 'automount', 'root')) || '/mnt/';
  return root.endsWith('/') ? root : `${root}/`;
}

/** The files of a `.ssh` folder that hold public keys for this user: authorized_keys, id_*.pub. */
async function keyFiles(sshDir: string): Promise<string[]> {
  const names = await readdir(sshDir).catch(() => [] as string[]);
  return names
    .filter((n) => n === 'authorized_keys' || /^id_[\w-]+\.pub$/.test(n))
    .sort()
    .map((n) => path.join(sshDir, n));
}

/** USERPROFILE from Windows itself, when WSL can start Windows programs. */
async function askedProfile(ctx: MeshContext, runner: Runner): Promise<string | undefined> {
  if (!ctx.platform.wsl?.interop) return undefined;
  const r = await runPowerShell('$env:USERPROFILE', { runner, timeout: 30_000 }).catch(
    () => undefined,
  );
  const profile = r?.exitCode === 0 ? r.stdout.trim() : '';
  return /^[A-Za-z]:\\/.test(profile) ? profile : undefined;
}

/**
 * Finds the Windows user's public keys through the mounted C: drive: the profile Windows names
 * (USERPROFILE, through interop), else the only folder under C:\Users with keys in `.ssh` (the
 * one named like the Linux user when there are several). Returns why not when it cannot.
 */
export async function findWindowsKeys(
  ctx: MeshContext,
  o: { windowsRunner?: Runner } = {},
): Promise<WindowsKeys | { reason: string }> {
  const mount = await mountRoot(ctx);
  const asked = await askedProfile(ctx, o.windowsRunner ?? ctx.runner);
  let folder: string | undefined;
  let profile: string | undefined;
  if (asked) {
    try {
      folder = underRoot(ctx.paths.root, windowsToWslPath(asked, { mountRoot: mount }));
      profile = asked;
    } catch {
      folder = undefined;
    }
  }
  if (folder === undefined) {
    const users = underRoot(ctx.paths.root, `${mount}c/Users`);
    const entries = await readdir(users, { withFileTypes: true }).catch(() => undefined);
    if (!entries) return { reason: `${mount}c/Users cannot be read (is C: mounted in WSL?)` };
    const withKeys: string[] = [];
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (!e.isDirectory() || NOT_PEOPLE.has(e.name.toLowerCase())) continue;
      if ((await keyFiles(path.join(users, e.name, '.ssh'))).length > 0) withKeys.push(e.name);
    }
    const me = (ctx.env['SUDO_USER'] || ctx.env['USER'] || '').toLowerCase();
    const pick = withKeys.length === 1 ? withKeys[0] : withKeys.find((n) => n.toLowerCase() === me);
    if (pick === undefined) {
      return {
        reason:
          withKeys.length === 0
            ? `no Windows user under ${mount}c/Users has public keys in .ssh`
            : `several Windows users have keys (${withKeys.join(', ')}) and Windows could not be asked which one is you`,
      };
    }
    folder = path.join(users, pick);
  }
  const user = path.basename(folder);
  const windowsFolder = `${profile ?? `C:\\Users\\${user}`}\\.ssh`;
  const files = await keyFiles(path.join(folder, '.ssh'));
  if (files.length === 0) return { reason: `${windowsFolder} has no authorized_keys or id_*.pub` };
  const keys: PublicKey[] = [];
  let invalid = 0;
  for (const file of files) {
    const parsed = parseAuthorizedKeys(await readFile(file, 'utf8').catch(() => ''));
    keys.push(...parsed.keys);
    invalid += parsed.invalid;
  }
  return { user, folder: windowsFolder, files, keys, invalid };
}
