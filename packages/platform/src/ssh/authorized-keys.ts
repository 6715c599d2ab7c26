import { createHash } from 'node:crypto';
import { chmod, chown, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { FileEditError } from '../errors.js';
import { type BackupMode, readIfExists, writeFileAtomic } from '../internal/atomic-file.js';
import { type Line, parseLines, renderLines, terminateLast } from '../internal/lines.js';

/** One OpenSSH public key, as a line of `authorized_keys` or a `.pub` file holds it. */
export interface PublicKey {
  /** The options before the key (`from="10.0.0.1",no-pty`), as written; '' when none. */
  options: string;
  /** `ssh-ed25519`, `ecdsa-sha2-nistp256`, `sk-ssh-ed25519@openssh.com`... */
  type: string;
  /** The base64 body: what identifies the key, whatever its comment says. */
  body: string;
  comment: string;
}

// The types OpenSSH accepts in authorized_keys (plain and certificate); rsa-sha2-* are signature
// names, never key types.
const KEY_TYPE =
  /^(?:(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp(?:256|384|521))(?:-cert-v01@openssh\.com)?|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)(?:@openssh\.com|-cert-v01@openssh\.com))$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const PRIVATE = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----|^PuTTY-User-Key-File-\d+:/m;

/** Whether `text` holds a private key (OpenSSH, PEM or PuTTY): never something to copy. */
export function looksPrivate(text: string): boolean {
  return PRIVATE.test(text);
}

/** Whether `word` is a key type OpenSSH accepts (`ssh-ed25519`, `ecdsa-sha2-nistp256`...). */
export function isKeyType(word: string): boolean {
  return KEY_TYPE.test(word);
}

/** The leading field of a line up to the first space outside double quotes (options may quote spaces). */
function firstField(text: string): string {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && (c === ' ' || c === '\t')) return text.slice(0, i);
  }
  return text;
}

// How many length-prefixed fields each plain key's body holds, its type first (RFC 4253 6.6,
// RFC 5656 3.1, PROTOCOL.u2f). Certificates hold fixed-size fields too and are checked by type only.
const FIELDS: Readonly<Record<string, number>> = {
  'ssh-ed25519': 2,
  'ssh-rsa': 3,
  'ssh-dss': 5,
  'ecdsa-sha2-nistp256': 3,
  'ecdsa-sha2-nistp384': 3,
  'ecdsa-sha2-nistp521': 3,
  'sk-ssh-ed25519@openssh.com': 3,
  'sk-ecdsa-sha2-nistp256@openssh.com': 4,
};

/** The length-prefixed fields of `blob`, or undefined when they do not fill it exactly. */
function fields(blob: Buffer): Buffer[] | undefined {
  const out: Buffer[] = [];
  let at = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) return undefined;
    const n = blob.readUInt32BE(at);
    if (at + 4 + n > blob.length) return undefined;
    out.push(blob.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return out;
}

/** Why the body is not a key of `type`, or undefined when it is. */
function bodyProblem(type: string, body: string): string | undefined {
  const blob = BASE64.test(body) ? Buffer.from(body, 'base64') : undefined;
  if (!blob || blob.toString('base64') !== body) return 'its body is not valid base64';
  // The wire format starts with the key type again: a body pasted under the wrong type, or cut
  // short, is caught here rather than by sshd refusing every login.
  const n = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  const inner = n >= 0 && n <= blob.length - 4 ? blob.subarray(4, 4 + n).toString('latin1') : '';
  if (!isKeyType(inner)) return 'its body is not an OpenSSH key (cut short?)';
  if (inner !== type) return `its body is a ${inner} key, not ${type}`;
  const count = FIELDS[type];
  if (count === undefined) return undefined;
  const parts = fields(blob);
  const whole = parts?.length === count && (type !== 'ssh-ed25519' || parts[1]?.length === 32);
  return whole ? undefined : 'its body is not a whole OpenSSH key (cut short?)';
}

/**
 * Reads one public key line (`[options] TYPE BASE64 [comment]`): the key, or why it is not one.
 * The problem quotes at most a short first word: the text may be a secret pasted by mistake.
 */
export function checkPublicKey(line: string): { key: PublicKey } | { problem: string } {
  const text = line.trim();
  if (looksPrivate(text)) return { problem: 'it is a private key' };
  if (text === '' || text.startsWith('#')) return { problem: 'it is empty' };
  const first = firstField(text);
  const afterOptions = text.slice(first.length).trim();
  const options = isKeyType(first) || !isKeyType(firstField(afterOptions)) ? '' : first;
  const rest = options === '' ? text : afterOptions;
  const [type = '', body = ''] = rest.split(/[ \t]+/);
  if (!isKeyType(type)) {
    // Named only when it is short and plain: a long word may be part of a secret.
    const word = /^[\w.@-]{1,40}$/.test(type) ? `"${type}"` : 'something else';
    return {
      problem: `it starts with ${word}, not a key type (ssh-ed25519, ecdsa-sha2-..., sk-..., ssh-rsa)`,
    };
  }
  if (body === '') return { problem: `it has no key after ${type}` };
  const wrong = bodyProblem(type, body);
  if (wrong) return { problem: wrong };
  const comment = rest.slice(type.length).trim().slice(body.length).trim();
  return { key: { options, type, body, comment } };
}

/** The key as one line: `[options] TYPE BASE64 [comment]`. */
export function formatPublicKey(key: PublicKey): string {
  return [key.options, key.type, key.body, key.comment].filter((p) => p !== '').join(' ');
}

/** The fingerprint `ssh-keygen -l` prints: `SHA256:` and the unpadded base64 of the body's hash. */
export function publicKeyFingerprint(key: Pick<PublicKey, 'body'>): string {
  const hash = createHash('sha256').update(Buffer.from(key.body, 'base64')).digest('base64');
  return `SHA256:${hash.replace(/=+$/, '')}`;
}

/** The keys of an `authorized_keys` (or `.pub`) text in order; comments and other lines skipped. */
export function parseAuthorizedKeys(text: string): { keys: PublicKey[]; invalid: number } {
  const keys: PublicKey[] = [];
  let invalid = 0;
  for (const { text: line } of parseLines(text).lines) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const r = checkPublicKey(t);
    if ('key' in r) keys.push(r.key);
    else invalid++;
  }
  return { keys, invalid };
}

/**
 * `text` with `key` appended as a new last line, unless a key with the same body is there
 * already (whatever its comment or options): then `text` unchanged. Every existing byte stays.
 */
export function addAuthorizedKey(text: string, key: PublicKey): { text: string; added: boolean } {
  const doc = parseLines(text);
  if (doc.lines.some((l) => keyBody(l.text) === key.body)) return { text, added: false };
  terminateLast(doc);
  doc.lines.push({ text: formatPublicKey(key), eol: doc.eol });
  return { text: renderLines(doc), added: true };
}

function keyBody(line: string): string | undefined {
  const r = checkPublicKey(line);
  return 'key' in r ? r.key.body : undefined;
}

const begin = (name: string) => `# mesh-managed: ${name}`;
const end = (name: string) => `# end mesh-managed: ${name}`;

export interface KeyBlockResult {
  text: string;
  /** Keys now in the block that were not. */
  added: PublicKey[];
  /** Keys the block had and no longer has (`replace` only). */
  removed: PublicKey[];
  /** Keys given that were in the file already (outside the block, or in it for `merge`). */
  present: PublicKey[];
}

/**
 * `text` with the managed block `name` (`# mesh-managed: NAME` ... `# end mesh-managed: NAME`)
 * holding `keys`. `merge` only adds to the block; `replace` makes it exactly `keys`. A key the
 * file has outside the block is never copied into it, and nothing outside the block changes: a
 * key added by hand is the user's, not Mesh's. An empty block is removed with its markers. A block
 * whose end marker is missing is refused rather than guessed at.
 */
export function setAuthorizedKeysBlock(
  text: string,
  name: string,
  keys: readonly PublicKey[],
  mode: 'merge' | 'replace',
): KeyBlockResult {
  const doc = parseLines(text);
  const start = doc.lines.findIndex((l) => l.text.trim() === begin(name));
  const stop =
    start < 0 ? -1 : doc.lines.findIndex((l, i) => i > start && l.text.trim() === end(name));
  if (start >= 0 && stop < 0) {
    throw new FileEditError(
      '~/.ssh/authorized_keys',
      `has "${begin(name)}" without "${end(name)}"`,
      {
        hint: `restore the end marker line, or remove the block "${name}" by hand`,
      },
    );
  }
  const inside = start >= 0 ? doc.lines.slice(start + 1, stop) : [];
  const outside = new Set(
    doc.lines
      .filter((_, i) => start < 0 || i < start || i > stop)
      .map((l) => keyBody(l.text))
      .filter((b) => b !== undefined),
  );
  const current = new Map<string, PublicKey>();
  for (const l of inside) {
    const r = checkPublicKey(l.text);
    if ('key' in r) current.set(r.key.body, r.key);
  }
  const wanted = new Map<string, PublicKey>();
  const present: PublicKey[] = [];
  for (const k of keys) {
    if (wanted.has(k.body)) continue;
    if (outside.has(k.body) || (mode === 'merge' && current.has(k.body))) present.push(k);
    else wanted.set(k.body, k);
  }
  const line = (t: string): Line => ({ text: t, eol: doc.eol });
  let body: Line[];
  let added: PublicKey[];
  let removed: PublicKey[] = [];
  if (mode === 'merge') {
    added = [...wanted.values()];
    if (added.length === 0) return { text, added, removed, present };
    body = [...inside, ...added.map((k) => line(formatPublicKey(k)))];
  } else {
    added = [...wanted.values()].filter((k) => !current.has(k.body));
    // A block key the user also has outside the block leaves the block but stays authorized.
    removed = [...current.values()].filter((k) => !wanted.has(k.body) && !outside.has(k.body));
    // Kept keys take the source's line too: options it added (from="...") must reach this copy.
    body = [...wanted.values()].map((k) => line(formatPublicKey(k)));
  }
  const block = body.length > 0 ? [line(begin(name)), ...body, line(end(name))] : [];
  if (start >= 0) {
    const last = doc.lines[stop];
    // The end marker's own ending (none at the end of a file) stays with the block's last line.
    const tail = block.at(-1);
    if (tail && last) tail.eol = last.eol;
    doc.lines.splice(start, stop - start + 1, ...block);
  } else if (block.length > 0) {
    terminateLast(doc);
    doc.lines.push(...block);
  }
  return { text: renderLines(doc), added, removed, present };
}

export interface AuthorizedKeysFileOptions {
  /** The home directory whose `.ssh/authorized_keys` is written. */
  home: string;
  /** How the previous content is kept. @default false (an edit that only adds keeps every byte) */
  backup?: BackupMode;
}

/** `HOME/.ssh/authorized_keys`. */
export function authorizedKeysPath(home: string): string {
  return path.join(home, '.ssh', 'authorized_keys');
}

/**
 * Writes `HOME/.ssh/authorized_keys` atomically: `~/.ssh` is 0700 and the file 0600 whatever
 * they were, as sshd's StrictModes wants. As root (`sudo mesh ...` for another user's home) both
 * are given to the owner of the home, so the user can still edit their own keys. Returns whether
 * the file changed and where a backup went.
 */
export async function writeAuthorizedKeys(
  text: string,
  o: AuthorizedKeysFileOptions,
): Promise<{ changed: boolean; path: string; backupPath?: string }> {
  const dir = path.join(o.home, '.ssh');
  const file = authorizedKeysPath(o.home);
  // A home that is not there is a wrong HOME (or account), never something to create.
  const owner = await stat(o.home).catch(() => {
    throw new FileEditError(o.home, 'the home folder does not exist', {
      hint: 'check HOME (or, through sudo, the home of SUDO_USER)',
    });
  });
  const before = await readIfExists(file);
  // No file and nothing to put in it: no empty file either.
  const changed = (before ?? '') !== text;
  let backupPath: string | undefined;
  if (changed) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const w = await writeFileAtomic(file, text, { mode: 0o600, backup: o.backup ?? false });
    backupPath = w.backupPath;
  }
  if (before !== undefined || changed) {
    await chmod(dir, 0o700);
    await chmod(file, 0o600);
    if (backupPath) await chmod(backupPath, 0o600);
    if (process.getuid?.() === 0) {
      for (const p of [dir, file, ...(backupPath ? [backupPath] : [])]) {
        const st = await stat(p);
        if (st.uid !== owner.uid || st.gid !== owner.gid) await chown(p, owner.uid, owner.gid);
      }
    }
  }
  return { changed, path: file, ...(backupPath ? { backupPath } : {}) };
}
