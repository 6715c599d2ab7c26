import {
  authorizedKeysPath,
  type KeyBlockResult,
  lookupUser,
  type PublicKey,
  publicKeyFingerprint,
  readIfExists,
  setAuthorizedKeysBlock,
  writeAuthorizedKeys,
} from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { toMeshError } from '../map-error.js';

/** A key as Mesh reports it: never the body, which is long and says nothing to a reader. */
export interface SshKeySummary {
  type: string;
  /** As `ssh-keygen -l` prints it: `SHA256:...`. */
  fingerprint: string;
  comment: string;
}

export function keySummary(key: PublicKey): SshKeySummary {
  return { type: key.type, fingerprint: publicKeyFingerprint(key), comment: key.comment };
}

/** `ssh-ed25519 SHA256:... (me@laptop)`: one key in one line of output. */
export function describeKey(key: PublicKey): string {
  return `${key.type} ${publicKeyFingerprint(key)}${key.comment ? ` (${key.comment})` : ''}`;
}

/**
 * The home whose `~/.ssh/authorized_keys` the key commands edit: HOME, except as root through
 * sudo, where HOME is often root's own (Ubuntu's sudo sets it) while the keys are meant for the
 * person who typed sudo. `mesh wsl setup-ssh` needs root for sshd_config, so this is its usual
 * case.
 */
export async function keysHome(ctx: MeshContext): Promise<string> {
  const sudoUser = ctx.env['SUDO_USER'];
  if (process.getuid?.() !== 0 || !sudoUser || sudoUser === 'root') return ctx.paths.home;
  const account = await lookupUser(sudoUser, { runner: ctx.runner }).catch(() => undefined);
  return account?.home ?? ctx.paths.home;
}

/** The authorized_keys file of {@link keysHome} and its text ('' when there is none). */
export async function readLocalKeys(
  ctx: MeshContext,
): Promise<{ home: string; file: string; text: string }> {
  const home = await keysHome(ctx);
  const file = authorizedKeysPath(home);
  try {
    return { home, file, text: (await readIfExists(file)) ?? '' };
  } catch (error) {
    throw toMeshError(error, 'reading authorized_keys');
  }
}

/** Writes it back (atomic, 0700/0600, owned by the home's owner); see writeAuthorizedKeys. */
export async function writeLocalKeys(
  home: string,
  text: string,
  backup: 'timestamp' | false = false,
): Promise<{ changed: boolean; path: string; backupPath?: string }> {
  try {
    return await writeAuthorizedKeys(text, { home, backup });
  } catch (error) {
    throw toMeshError(error, 'writing authorized_keys');
  }
}

/**
 * Sets the managed block `name` of the local authorized_keys to `keys` (merged or replaced, see
 * setAuthorizedKeysBlock) and writes the file; a replace keeps a timestamped backup first.
 */
export async function setLocalKeysBlock(
  ctx: MeshContext,
  name: string,
  keys: readonly PublicKey[],
  mode: 'merge' | 'replace',
): Promise<KeyBlockResult & { file: string; changed: boolean; backupPath?: string }> {
  const { home, file, text } = await readLocalKeys(ctx);
  let edit: KeyBlockResult;
  try {
    edit = setAuthorizedKeysBlock(text, name, keys, mode);
  } catch (error) {
    throw toMeshError(error, `editing ${file}`);
  }
  const w = await writeLocalKeys(home, edit.text, mode === 'replace' ? 'timestamp' : false);
  return {
    ...edit,
    file,
    changed: w.changed,
    ...(w.backupPath ? { backupPath: w.backupPath } : {}),
  };
}
