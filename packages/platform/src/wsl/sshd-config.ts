import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { SshdConfigError } from '../errors.js';
import {
  type BackupMode,
  pathExists,
  readIfExists,
  writeFileAtomic,
} from '../internal/atomic-file.js';
import { parseLines, renderLines } from '../internal/lines.js';
import { inRoot } from '../internal/root.js';
import { createRunner, type Runner } from '../runner.js';

/** Default location of the OpenSSH server configuration. */
export const SSHD_CONFIG_PATH = '/etc/ssh/sshd_config';
/** The SSH port of the WSL2 host: Windows' own sshd owns 22 on the same machine. */
export const WSL2_SSH_PORT = 2222;

const PORT_LINE = /^(\s*)Port(?:\s*=\s*|\s+)(\S+)(.*)$/i;
const MATCH_LINE = /^\s*Match(?:\s|=|$)/i;
const COMMENTED_PORT = /^\s*#\s*Port\s+\d+/i;
const INCLUDE_LINE = /^\s*Include(?:\s*=\s*|\s+)(.+?)\s*$/i;
const DIRECTIVE = /^\s*[A-Za-z]/;

/** The ports an sshd configuration listens on, as far as Mesh can tell without running sshd. */
export interface SshdPorts {
  /** Ports from `Port` lines of the global section (sshd listens on every one); `[22]` when none. */
  ports: number[];
  /** Ports from drop-in files pulled in with `Include` (they add to `ports`). */
  includedPorts: { file: string; port: number }[];
  /** `Port` lines inside Match blocks: not allowed there, `sshd -t` rejects them. */
  portsInMatch: number[];
}

function splitGlobal(lines: { text: string }[]): number {
  const index = lines.findIndex((l) => MATCH_LINE.test(l.text));
  return index === -1 ? lines.length : index;
}

function portsOf(content: string): { global: number[]; inMatch: number[]; includes: string[] } {
  const { lines } = parseLines(content);
  const end = splitGlobal(lines);
  const global: number[] = [];
  const inMatch: number[] = [];
  const includes: string[] = [];
  lines.forEach((l, i) => {
    const p = PORT_LINE.exec(l.text);
    if (p) (i < end ? global : inMatch).push(Number(p[2]));
    const inc = INCLUDE_LINE.exec(l.text);
    if (inc && i < end) includes.push(...(inc[1] ?? '').split(/\s+/));
  });
  return { global, inMatch, includes };
}

async function expandInclude(root: string | undefined, pattern: string): Promise<string[]> {
  const full = pattern.startsWith('/') ? pattern : path.posix.join('/etc/ssh', pattern);
  const dir = path.posix.dirname(full);
  const base = path.posix.basename(full);
  if (!base.includes('*') && !base.includes('?')) return [full];
  const re = new RegExp(
    `^${base
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  try {
    const names = await readdir(inRoot(root, dir));
    return names
      .filter((n) => re.test(n))
      .sort()
      .map((n) => path.posix.join(dir, n));
  } catch {
    return [];
  }
}

export interface SshdConfigOptions {
  /** Machine root the file lives under. @default '/' */
  root?: string;
  /** Path of sshd_config on the machine. @default '/etc/ssh/sshd_config' */
  path?: string;
}

/** Reads which ports an sshd configuration (and the files it includes) listens on. */
export async function readSshdPorts(options: SshdConfigOptions = {}): Promise<SshdPorts> {
  const content =
    (await readIfExists(inRoot(options.root, options.path ?? SSHD_CONFIG_PATH))) ?? '';
  const main = portsOf(content);
  const includedPorts: SshdPorts['includedPorts'] = [];
  for (const pattern of main.includes) {
    for (const file of await expandInclude(options.root, pattern)) {
      const text = await readIfExists(inRoot(options.root, file));
      if (text === undefined) continue;
      for (const port of portsOf(text).global) includedPorts.push({ file, port });
    }
  }
  return {
    ports: main.global.length > 0 ? main.global : [22],
    includedPorts,
    portsInMatch: main.inMatch,
  };
}

/**
 * Returns sshd_config text that listens on exactly `port`, changing as little as possible:
 * - the global `Port` line already on `port` (or else the first one) is set to `port`;
 * - other global `Port` lines are commented out (`# mesh: Port 22`), because sshd listens on
 *   every Port line and Windows' own sshd owns 22 on a WSL2 machine; nothing is deleted;
 * - with no `Port` line, `Port <port>` goes after the stock `#Port 22` comment, or else before
 *   the first directive, always before any Match block (Port is not allowed inside one).
 * Match blocks, comments, CRLF endings and every other line are kept as they are.
 */
export function setSshdPort(content: string, port: number): string {
  const doc = parseLines(content);
  const end = splitGlobal(doc.lines);
  const portLines: { index: number; value: string }[] = [];
  doc.lines.forEach((l, index) => {
    if (index >= end) return;
    const p = PORT_LINE.exec(l.text);
    if (p) portLines.push({ index, value: p[2] ?? '' });
  });
  if (portLines.length === 0) {
    let at = -1;
    doc.lines.forEach((l, index) => {
      if (index < end && COMMENTED_PORT.test(l.text)) at = index + 1;
    });
    if (at === -1) {
      const first = doc.lines.findIndex((l) => DIRECTIVE.test(l.text));
      at = first === -1 ? doc.lines.length : first;
    }
    const prev = doc.lines[at - 1];
    if (prev && prev.eol === '') prev.eol = doc.eol;
    doc.lines.splice(at, 0, { text: `Port ${port}`, eol: doc.eol });
    return renderLines(doc);
  }
  const keep = portLines.find((p) => p.value === String(port)) ?? portLines[0];
  for (const p of portLines) {
    const line = doc.lines[p.index];
    if (!line) continue;
    if (p === keep) {
      if (p.value !== String(port)) {
        const m = PORT_LINE.exec(line.text);
        line.text = `${m?.[1] ?? ''}Port ${port}${m?.[3] ?? ''}`;
      }
    } else {
      line.text = `# mesh: ${line.text.trimStart()}`;
    }
  }
  return renderLines(doc);
}

export interface EnsureSshdPortOptions extends SshdConfigOptions {
  /** The port sshd must listen on. @default 2222 */
  port?: number;
  /**
   * Check the new file with `sshd -t -f FILE` before it replaces the old one. `'auto'` validates
   * when the sshd binary exists. @default 'auto'
   */
  validate?: boolean | 'auto';
  /** The sshd binary used for validation. @default '/usr/sbin/sshd' */
  sshdBinary?: string;
  /** Runs sshd for validation. @default createRunner() */
  runner?: Runner;
  /** Report the change without writing. @default false */
  dryRun?: boolean;
  /** How the previous file is kept. @default 'mesh-bak' */
  backup?: BackupMode;
}

export interface EnsureSshdPortResult {
  changed: boolean;
  path: string;
  content: string;
  backupPath?: string;
  /** Whether `sshd -t` checked the new file. */
  validated: boolean;
  /** Things sshd will do that the edit cannot fix alone (ports from Include files, Port in Match). */
  warnings: string[];
}

/**
 * Runs `sshd -t -f FILE`; throws {@link SshdConfigError} with sshd's message when it fails.
 * Returns false when sshd could not judge the file because the host is not ready (no
 * `/run/sshd` yet, as on a fresh WSL distro), so the caller can report "not validated".
 */
export async function checkSshdConfig(
  file: string,
  options: { sshdBinary?: string; runner?: Runner } = {},
): Promise<boolean> {
  const runner = options.runner ?? createRunner();
  const sshd = options.sshdBinary ?? '/usr/sbin/sshd';
  const result = await runner.run(sshd, ['-t', '-f', file], { timeout: 15_000 });
  if (result.exitCode !== 0 && /Missing privilege separation directory/.test(result.stderr)) {
    return false;
  }
  if (result.exitCode !== 0) {
    throw new SshdConfigError(
      `sshd -t rejected ${file}: ${(result.stderr || result.stdout).trim()}`,
      {
        hint: 'fix the reported line by hand; Mesh left the original file in place',
      },
    );
  }
  return true;
}

/**
 * Makes sshd_config listen on `port` (2222 on the WSL2 host), writing atomically with a backup
 * and checking the result with `sshd -t` first. Restarting sshd is the caller's step.
 */
export async function ensureSshdPort(
  options: EnsureSshdPortOptions = {},
): Promise<EnsureSshdPortResult> {
  const port = options.port ?? WSL2_SSH_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SshdConfigError(`port must be an integer 1-65535, got ${port}`);
  }
  const file = inRoot(options.root, options.path ?? SSHD_CONFIG_PATH);
  const before = (await readIfExists(file)) ?? '';
  const content = setSshdPort(before, port);
  const sshdBinary = options.sshdBinary ?? '/usr/sbin/sshd';
  let validate = options.validate ?? 'auto';
  if (validate === 'auto') {
    validate = await pathExists(sshdBinary);
  }
  let validated = false;
  const result = await writeFileAtomic(file, content, {
    mode: 0o644,
    backup: options.backup ?? 'mesh-bak',
    dryRun: options.dryRun ?? false,
    ...(validate
      ? {
          validate: async (candidate: string) => {
            validated = await checkSshdConfig(candidate, {
              sshdBinary,
              ...(options.runner ? { runner: options.runner } : {}),
            });
          },
        }
      : {}),
  });
  const after = await readSshdPorts({ ...options, path: options.path ?? SSHD_CONFIG_PATH });
  const warnings: string[] = [];
  if (validate && result.changed && !validated && !options.dryRun) {
    warnings.push('sshd -t could not check the file (no /run/sshd yet); run it after sshd starts');
  }
  for (const p of after.includedPorts) {
    if (p.port !== port) warnings.push(`${p.file} adds Port ${p.port}; sshd listens on it too`);
  }
  if (after.portsInMatch.length > 0) {
    warnings.push(
      `Port inside a Match block (${after.portsInMatch.join(', ')}) is rejected by sshd`,
    );
  }
  return {
    changed: result.changed,
    path: file,
    content,
    validated,
    warnings,
    ...(result.backupPath ? { backupPath: result.backupPath } : {}),
  };
}
