import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { FileEditError } from '../errors.js';
import { readIfExists, writeFileAtomic } from '../internal/atomic-file.js';
import { type Line, parseLines, renderLines, terminateLast } from '../internal/lines.js';

/** One `Host` entry of an OpenSSH client configuration. */
export interface SshHostEntry {
  /** The alias: `ssh NAME`. */
  name: string;
  hostName: string;
  port: number;
  user: string;
}

const begin = (name: string) => `# mesh-managed: ${name}`;
const end = (name: string) => `# end mesh-managed: ${name}`;

/**
 * `text` with the managed block of `name` set to `entry`, or removed when `entry` is
 * undefined. Only the lines between the block's own markers change: a replaced block keeps its
 * place, a new one is appended, and every other byte (comments, CRLF, a BOM, other blocks)
 * stays as it was. A block whose end marker is missing is refused rather than guessed at.
 */
export function setSshHostBlock(
  text: string,
  name: string,
  entry: SshHostEntry | undefined,
): string {
  const doc = parseLines(text);
  const start = doc.lines.findIndex((l) => l.text.trim() === begin(name));
  const stop =
    start < 0 ? -1 : doc.lines.findIndex((l, i) => i > start && l.text.trim() === end(name));
  if (start >= 0 && stop < 0) {
    throw new FileEditError('~/.ssh/config', `has "${begin(name)}" without "${end(name)}"`, {
      hint: `restore the end marker line, or remove the block for ${name} by hand`,
    });
  }
  const body = entry
    ? [
        begin(name),
        `Host ${entry.name}`,
        `  HostName ${entry.hostName}`,
        `  Port ${entry.port}`,
        `  User ${entry.user}`,
        end(name),
      ].map((t): Line => ({ text: t, eol: doc.eol }))
    : [];
  if (start >= 0) {
    const last = doc.lines[stop];
    // The end marker's own ending (none at the end of a file) stays with the block's last line.
    if (body.length > 0 && last) body[body.length - 1] = { text: end(name), eol: last.eol };
    doc.lines.splice(start, stop - start + 1, ...body);
  } else if (body.length > 0) {
    terminateLast(doc);
    doc.lines.push(...body);
  }
  return renderLines(doc);
}

/** Whether `text` has a managed block for `name`. */
export function hasSshHostBlock(text: string, name: string): boolean {
  return text.split(/\r?\n/).some((l) => l.trim() === begin(name));
}

export interface SshConfigFileOptions {
  /** The user's home directory, whose `.ssh/config` is edited. */
  home: string;
}

/**
 * Sets (or with `entry` undefined, removes) the block of `name` in `~/.ssh/config`, written
 * atomically: `~/.ssh` is 0700 and the file 0600, whatever they were. Returns whether the file
 * changed.
 */
export async function writeSshHostBlock(
  name: string,
  entry: SshHostEntry | undefined,
  o: SshConfigFileOptions,
): Promise<{ changed: boolean; path: string }> {
  const dir = path.join(o.home, '.ssh');
  const file = path.join(dir, 'config');
  const before = (await readIfExists(file)) ?? '';
  const after = setSshHostBlock(before, name, entry);
  if (after !== before) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, after, { mode: 0o600, backup: false });
  }
  if (before !== '' || after !== '') {
    await chmod(dir, 0o700);
    await chmod(file, 0o600);
  }
  return { changed: after !== before, path: file };
}
