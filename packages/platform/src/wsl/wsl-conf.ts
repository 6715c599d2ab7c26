import { type BackupMode, readIfExists, writeFileAtomic } from '../internal/atomic-file.js';
import { type Line, parseLines, renderLines, terminateLast } from '../internal/lines.js';
import { inRoot } from '../internal/root.js';

/** Path of the distro's WSL settings file. */
export const WSL_CONF_PATH = '/etc/wsl.conf';

const SECTION = /^\s*\[([^\]]*)\]\s*(?:[#;].*)?$/;
// An inline comment needs whitespace before `#`/`;`, so `command=a; b` keeps its whole value.
const KEY_VALUE = /^(\s*)([^=#;[\s][^=]*?)(\s*=\s*)(.*?)(\s+[#;].*|\s*)$/;

/** An active (not commented) `key=value` line of an INI file. */
export interface IniEntry {
  section: string;
  key: string;
  value: string;
  line: number;
}

/**
 * Reads `key=value` entries of an INI-style file such as wsl.conf, keeping their section and line
 * number. Section and key names are compared in lower case, as WSL does.
 */
export function parseIni(content: string): IniEntry[] {
  const entries: IniEntry[] = [];
  let section = '';
  parseLines(content).lines.forEach((l, index) => {
    const s = SECTION.exec(l.text);
    if (s) {
      section = (s[1] ?? '').trim().toLowerCase();
      return;
    }
    const kv = KEY_VALUE.exec(l.text);
    if (kv) {
      entries.push({
        section,
        key: (kv[2] ?? '').trim().toLowerCase(),
        value: (kv[4] ?? '').trim(),
        line: index,
      });
    }
  });
  return entries;
}

/** The effective value of `section.key` (the last one wins), or `undefined`. */
export function iniValue(content: string, section: string, key: string): string | undefined {
  const s = section.toLowerCase();
  const k = key.toLowerCase();
  return parseIni(content)
    .filter((e) => e.section === s && e.key === k)
    .at(-1)?.value;
}

/**
 * Sets `section.key` to `value` in INI text, changing as little as possible: every active line for
 * that key in that section gets the new value (keeping its spacing and trailing comment); when
 * there is none, a line is added at the end of the last such section, or a new section is appended.
 * Comments, blank lines, other keys, CRLF endings and a BOM are kept byte for byte.
 */
export function setIniValue(content: string, section: string, key: string, value: string): string {
  const doc = parseLines(content);
  const s = section.toLowerCase();
  const k = key.toLowerCase();
  let current = '';
  let lastSectionEnd = -1; // index after the last non-blank line of the last matching section
  let found = false;
  doc.lines.forEach((l, index) => {
    const sec = SECTION.exec(l.text);
    if (sec) {
      current = (sec[1] ?? '').trim().toLowerCase();
      if (current === s) lastSectionEnd = index + 1;
      return;
    }
    if (current !== s) return;
    if (l.text.trim() !== '') lastSectionEnd = index + 1;
    const kv = KEY_VALUE.exec(l.text);
    if (kv && (kv[2] ?? '').trim().toLowerCase() === k) {
      found = true;
      if ((kv[4] ?? '') !== value) {
        l.text = `${kv[1] ?? ''}${kv[2] ?? ''}${kv[3] ?? ''}${value}${kv[5] ?? ''}`;
      }
    }
  });
  if (found) return renderLines(doc);
  const added: Line = { text: `${key}=${value}`, eol: doc.eol };
  if (lastSectionEnd >= 0) {
    const before = doc.lines[lastSectionEnd - 1];
    if (before && before.eol === '') before.eol = doc.eol;
    if (lastSectionEnd === doc.lines.length) added.eol = doc.eol;
    doc.lines.splice(lastSectionEnd, 0, added);
    return renderLines(doc);
  }
  terminateLast(doc);
  const last = doc.lines.at(-1);
  if (last && last.text.trim() !== '') doc.lines.push({ text: '', eol: doc.eol });
  doc.lines.push({ text: `[${section}]`, eol: doc.eol }, added);
  return renderLines(doc);
}

export interface WslConfOptions {
  /** Machine root the file lives under. @default '/' */
  root?: string;
  /** Path of wsl.conf on the machine. @default '/etc/wsl.conf' */
  path?: string;
}

export interface EnsureWslSystemdOptions extends WslConfOptions {
  /** Report the change without writing. @default false */
  dryRun?: boolean;
  /** How the previous file is kept. @default 'mesh-bak' */
  backup?: BackupMode;
}

/** What `[boot] systemd` in wsl.conf says. */
export interface WslSystemdState {
  /** Whether the file exists. */
  exists: boolean;
  /** Whether `[boot] systemd=true` is in effect. */
  enabled: boolean;
  /** The raw value when the key is present. */
  value?: string;
}

/** Reads whether wsl.conf turns systemd on (`[boot] systemd=true`). */
export async function readWslSystemd(options: WslConfOptions = {}): Promise<WslSystemdState> {
  const content = await readIfExists(inRoot(options.root, options.path ?? WSL_CONF_PATH));
  if (content === undefined) return { exists: false, enabled: false };
  const value = iniValue(content, 'boot', 'systemd');
  return {
    exists: true,
    enabled: value?.toLowerCase() === 'true',
    ...(value === undefined ? {} : { value }),
  };
}

export interface EnsureResult {
  changed: boolean;
  path: string;
  backupPath?: string;
  /** The content after the change (or that would be written in a dry run). */
  content: string;
}

/**
 * Makes wsl.conf contain `[boot] systemd=true`, keeping every other line and comment. WSL reads
 * it only at start, so a change needs `wsl --shutdown` from Windows (the caller tells the user).
 * A second run changes nothing and makes no new backup.
 */
export async function ensureWslSystemd(
  options: EnsureWslSystemdOptions = {},
): Promise<EnsureResult> {
  const file = inRoot(options.root, options.path ?? WSL_CONF_PATH);
  const before = (await readIfExists(file)) ?? '';
  const values = parseIni(before).filter((e) => e.section === 'boot' && e.key === 'systemd');
  const done = values.length > 0 && values.every((e) => e.value.toLowerCase() === 'true');
  const content = done ? before : setIniValue(before, 'boot', 'systemd', 'true');
  const result = await writeFileAtomic(file, content, {
    mode: 0o644,
    backup: options.backup ?? 'mesh-bak',
    dryRun: options.dryRun ?? false,
  });
  return {
    changed: result.changed,
    path: file,
    content,
    ...(result.backupPath ? { backupPath: result.backupPath } : {}),
  };
}
