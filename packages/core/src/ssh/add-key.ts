import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  addAuthorizedKey,
  checkPublicKey,
  isKeyType,
  looksPrivate,
  type PublicKey,
  parseAuthorizedKeys,
} from '@mesh/platform';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import {
  describeKey,
  keySummary,
  readLocalKeys,
  type SshKeySummary,
  writeLocalKeys,
} from './local-keys.js';

export interface AddSshKeyOptions {
  /** One public key line (`ssh-ed25519 AAAA... me@pc`), or a file holding one. */
  key: string;
  /** Replaces the key's own comment ('' for none). */
  comment?: string;
  /** Where a relative file name is found. @default process.cwd() */
  cwd?: string;
}

export interface AddSshKeyResult {
  changed: boolean;
  changes: string[];
  /** The authorized_keys file edited. */
  file: string;
  key: SshKeySummary;
}

const SHAPE = 'one line like: ssh-ed25519 AAAA... you@pc, or the .pub file that holds it';
// A public key file is one line; anything much bigger is not one (and is not read whole).
const MAX_KEY_FILE = 64 * 1024;

function privateKey(what: string, pub?: string): MeshError {
  return new MeshError(`${what} a private key, which must never leave its machine`, {
    kind: 'badInput',
    hint: pub
      ? `give its public half instead: ${pub}`
      : 'give the public key: the .pub file next to it (ssh-keygen -y -f FILE prints it)',
  });
}

/** The public key that `arg` is, or that the file `arg` names holds; bad input says why. */
export async function readPublicKeyArgument(arg: string, cwd = process.cwd()): Promise<PublicKey> {
  if (looksPrivate(arg)) throw privateKey('That is');
  const inline = checkPublicKey(arg);
  if ('key' in inline) return inline.key;
  // A line with spaces, or one starting with a key type, was meant as a key, not a file name.
  if (/\s/.test(arg.trim()) || isKeyType(arg.trim().split(/\s/)[0] ?? '')) {
    throw new MeshError(`Not an OpenSSH public key: ${inline.problem}`, {
      kind: 'badInput',
      hint: `give ${SHAPE}`,
    });
  }
  const file = path.resolve(cwd, arg);
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error) {
    throw new MeshError(
      info.code === 'ENOENT'
        ? `${file} does not exist, and ${arg} is not a public key either`
        : `${file} cannot be read (${info.code ?? info.message})`,
      { kind: 'badInput', hint: `give ${SHAPE}` },
    );
  }
  if (!info.isFile() || info.size > MAX_KEY_FILE) {
    throw new MeshError(`${file} is not a public key file`, {
      kind: 'badInput',
      hint: `give ${SHAPE}`,
    });
  }
  const text = await readFile(file, 'utf8');
  if (looksPrivate(text)) {
    const pub = await stat(`${file}.pub`).then(
      () => `${file}.pub`,
      () => undefined,
    );
    throw privateKey(`${file} is`, pub);
  }
  const { keys } = parseAuthorizedKeys(text);
  const [only] = keys;
  if (only && keys.length === 1) return only;
  if (keys.length > 1) {
    throw new MeshError(`${file} holds ${keys.length} keys; mesh ssh add-key adds one`, {
      kind: 'badInput',
      hint: 'give the one line you mean; to take every key of a machine: mesh ssh copy-keys --from HOST',
    });
  }
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  const check = first === undefined ? undefined : checkPublicKey(first);
  throw new MeshError(
    check && 'problem' in check
      ? `${file} is not an OpenSSH public key: ${check.problem}`
      : `${file} holds no public key`,
    { kind: 'badInput', hint: `give ${SHAPE}` },
  );
}

/**
 * Adds one public key to the invoking user's `~/.ssh/authorized_keys`: checked first (type, a
 * body that is a whole key of that type, never a private key), appended as the last line,
 * written atomically with `~/.ssh` 0700 and the file 0600. A key whose body is there already,
 * under any comment, changes nothing; every other line stays byte for byte.
 */
export async function addSshKey(ctx: MeshContext, o: AddSshKeyOptions): Promise<AddSshKeyResult> {
  if (o.comment !== undefined && /[\r\n]/.test(o.comment)) {
    throw new MeshError('--comment must be one line', {
      kind: 'badInput',
      hint: 'give a short label such as you@laptop',
    });
  }
  const given = await readPublicKeyArgument(o.key, o.cwd);
  const key = o.comment === undefined ? given : { ...given, comment: o.comment.trim() };
  const { home, file, text } = await readLocalKeys(ctx);
  const edit = addAuthorizedKey(text, key);
  if (!edit.added) {
    const there = parseAuthorizedKeys(text).keys.find((k) => k.body === key.body);
    const as =
      there && there.comment !== key.comment
        ? ` (${there.comment ? `as "${there.comment}"` : 'without a comment'})`
        : '';
    ctx.reporter.ok(`${describeKey(key)} is in ${file} already${as}`);
    await writeLocalKeys(home, text);
    return { changed: false, changes: [], file, key: keySummary(key) };
  }
  await writeLocalKeys(home, edit.text);
  ctx.reporter.ok(`Added ${describeKey(key)} to ${file}`);
  return {
    changed: true,
    changes: [`added ${describeKey(key)} to ${file}`],
    file,
    key: keySummary(key),
  };
}
