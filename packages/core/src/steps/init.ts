import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  createRunner,
  type LoadSettingsOptions,
  loadSettings,
  lookupUser,
  parseSettings,
  parseTextLines,
  readIfExists,
  renderTextLines,
  SETTINGS_VARIABLES,
  type TextLine,
  type TextLines,
  writeFileAtomic,
} from '@mesh/platform';
import { MeshError } from '../errors.js';
import { toMeshError } from '../map-error.js';

/** A setting `mesh init` writes: every one of the settings table but the shell-era `HEADSCALE_SERVER`. */
export type InitSetting = Exclude<keyof typeof SETTINGS_VARIABLES, 'HEADSCALE_SERVER'>;

/** The settings `mesh init` writes, in the table's order (the order of the file and the questions). */
export const INIT_SETTINGS: readonly InitSetting[] = (
  Object.keys(SETTINGS_VARIABLES) as Array<keyof typeof SETTINGS_VARIABLES>
).filter((key): key is InitSetting => key !== 'HEADSCALE_SERVER');

/** What to ask about one setting; the answer goes in {@link InitOptions.answers}. */
export interface InitQuestion {
  key: InitSetting;
  /** The command-line flag that answers it without a terminal, e.g. `--server-url`. */
  flag: string;
  description: string;
  /** Its value in the file now, when the file sets it. */
  current?: string;
  /** The value Mesh uses while it is unset, when that is one fixed value. */
  default?: string;
}

export interface InitTarget {
  /** The file to write. @default `../.env` from `cwd`, the place existing installs keep it */
  file?: string;
  /** @default process.cwd() */
  cwd?: string;
}

export interface InitOptions extends InitTarget {
  /** Per setting: its value, `''` to leave it unset, or absent to keep what the file has. */
  answers?: Partial<Record<InitSetting, string>>;
  /** Build and check the file, write nothing. */
  dryRun?: boolean;
  /** Replace an existing file this would change (a backup is kept); without it that is refused. */
  replace?: boolean;
  /** Where warnings about variables that win over the file look. @default process.env */
  env?: Record<string, string | undefined>;
  /**
   * Looks `MESH_DEFAULT_USER` up, as loading does. @default on Linux the machine's accounts;
   * elsewhere none
   */
  lookupUser?: LoadSettingsOptions['lookupUser'];
}

export interface InitResult {
  path: string;
  /** The whole file as written (or, with `dryRun`, as it would be). */
  content: string;
  /** Whether the content differs from the file's (and, unless `dryRun`, was written). */
  changed: boolean;
  existed: boolean;
  /** Where the previous content was kept, when it was replaced. */
  backup?: string;
  /** Each setting whose value changes, for people. */
  changes: string[];
  /** Variables elsewhere that win over this file, so the user is not surprised by them. */
  warnings: string[];
}

/** The questions for every setting, with what the file sets now, and the file they are for. */
export async function initQuestions(
  o: InitTarget = {},
): Promise<{ path: string; questions: InitQuestion[] }> {
  const t = await readTarget(o);
  const defaults = settingDefaults();
  return {
    path: t.path,
    questions: INIT_SETTINGS.map((key) => {
      const current = t.current[key];
      const fallback = defaults[key];
      return {
        key,
        flag: flagOf(key),
        description: SETTINGS_VARIABLES[key],
        ...(current === undefined ? {} : { current }),
        ...(fallback === undefined ? {} : { default: fallback }),
      };
    }),
  };
}

/**
 * Throws a {@link MeshError} (bad input) naming the setting's flag when `value` is not one
 * loading accepts; an empty value (unset) is always fine.
 */
export function validateInitValue(key: InitSetting, value: string): void {
  const flag = flagOf(key);
  const v = value.trim();
  if (v === '') return;
  const hint = `give ${flag} a valid value, or ${flag} '' to leave it unset; nothing was written`;
  if (/[\r\n]/.test(v)) {
    throw new MeshError(`${flag}: expected one line, got ${JSON.stringify(v)}`, {
      kind: 'badInput',
      hint,
    });
  }
  try {
    parseSettings({ [key]: v });
  } catch (error) {
    throw new MeshError(`${flag}: ${faultOf(error, key)}`, {
      kind: 'badInput',
      hint,
      cause: error,
    });
  }
}

/**
 * Builds the settings file from `answers` and what the file has now, checks it whole as loading
 * would, and writes it (mode 0600 when new, the old one kept as `FILE.mesh-bak-<time>`). Only
 * the lines of {@link INIT_SETTINGS} are replaced or added; every other line stays byte for
 * byte. Each setting gets its description as a comment above it, and an unset one is written
 * commented out with its default. Nothing is written when any value is bad, when the content is
 * already the same, or when an existing file would change without `replace`.
 */
export async function initEnvFile(o: InitOptions = {}): Promise<InitResult> {
  const answers = o.answers ?? {};
  for (const key of INIT_SETTINGS) {
    const answer = answers[key];
    if (answer !== undefined) validateInitValue(key, answer);
  }
  const t = await readTarget(o);
  const built = build(t, answers);
  const content = renderTextLines({ ...t.doc, lines: built.lines });
  await checkWhole(t.path, content, built, o);

  const changed = content !== t.previous;
  const existed = t.previous !== undefined;
  const changes = describeChanges(t, built, { changed, existed });
  const warnings = await overriding(t.path, o);
  const result = { path: t.path, content, changed, existed, changes, warnings };
  if (o.dryRun || !changed) return result;
  if (existed && o.replace !== true) {
    throw new MeshError(`${t.path} exists and mesh init would change it`, {
      kind: 'badInput',
      hint: `answer yes at the prompt, or pass --force (the old file is kept as ${path.basename(t.path)}.mesh-bak-TIME); --dry-run shows the new file`,
    });
  }
  try {
    const w = await writeFileAtomic(t.path, content, { mode: 0o600, backup: 'timestamp' });
    return { ...result, ...(w.backupPath ? { backup: w.backupPath } : {}) };
  } catch (error) {
    throw toMeshError(error, `writing ${t.path}`);
  }
}

/** `MESH_SERVER_URL` -> `--server-url`. */
function flagOf(key: InitSetting): string {
  return `--${key
    .replace(/^MESH_/, '')
    .toLowerCase()
    .replaceAll('_', '-')}`;
}

/** The values `parseSettings` gives unset settings; lists, the user and the server URL have none to write. */
function settingDefaults(): Partial<Record<InitSetting, string>> {
  const s = parseSettings({});
  return {
    MESH_SHARED_FOLDER_LINUX: s.sharedFolderLinux,
    MESH_SHARED_FOLDER_WINDOWS: s.sharedFolderWindows,
    MESH_AGENT_FORGET_AFTER: String(s.agentForgetAfterS),
    MESH_AGENT_RECHECK_AFTER: String(s.agentRecheckAfterS),
    MESH_MAGIC_DNS: s.magicDns ? 'on' : 'off',
    MESH_TAILSCALE_PACKAGES_URL: s.tailscalePackagesUrl,
    MESH_HEADSCALE_RELEASES_URL: s.headscaleReleasesUrl,
    MESH_SYNCTHING_RELEASES_URL: s.syncthingReleasesUrl,
  };
}

/** What a `PlatformConfigError` says about its variable, without the file and variable in front. */
function faultOf(error: unknown, variable: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const at = message.indexOf(`${variable}: `);
  return at < 0 ? message : message.slice(at + variable.length + 2);
}

// Platform's line model; each line also remembers where it was in the file read, so a fault
// found later names that line.
interface Line extends TextLine {
  /** Its number in the file read (from 1); none for a line init wrote. */
  from?: number;
}

interface TextDoc extends Omit<TextLines, 'lines'> {
  lines: Line[];
}

function parseLines(content: string): TextDoc {
  const doc = parseTextLines(content);
  return { ...doc, lines: doc.lines.map((l, i) => ({ ...l, from: i + 1 })) };
}

/** A `KEY=value` line as loading reads it (platform's readEnvFile uses the same pattern). */
const ASSIGNMENT = /^(\s*(?:export\s+)?)([\w.-]+)\s*(?:=|:\s)\s*(.*)$/;
/** A setting written commented out, as init writes an unset one. */
const COMMENTED = /^\s*#\s*(MESH_[A-Z0-9_]+)\s*=/;

interface Target {
  path: string;
  previous?: string;
  doc: TextDoc;
  /** Per setting, the indexes of its lines (set or commented out) in `doc.lines`. */
  found: Map<InitSetting, number[]>;
  /** Per setting, the index of the line that sets it (the last, as dotenv reads). */
  setAt: Map<InitSetting, number>;
  /** The non-empty values the file sets. */
  current: Partial<Record<InitSetting, string>>;
}

function isInitSetting(key: string | undefined): key is InitSetting {
  return (INIT_SETTINGS as readonly string[]).includes(key ?? '');
}

/** Reads the file without judging it: a broken file is what init may be run to mend. */
async function readTarget(o: InitTarget): Promise<Target> {
  const cwd = o.cwd ?? process.cwd();
  const file = path.resolve(cwd, o.file ?? path.join('..', '.env'));
  let previous: string | undefined;
  try {
    previous = await readIfExists(file);
  } catch (error) {
    throw toMeshError(error, `reading ${file}`);
  }
  const doc = parseLines(previous ?? '');
  const found = new Map<InitSetting, number[]>();
  const setAt = new Map<InitSetting, number>();
  const current: Partial<Record<InitSetting, string>> = {};
  doc.lines.forEach((line, index) => {
    const assignment = ASSIGNMENT.exec(line.text);
    const key = assignment ? assignment[2] : COMMENTED.exec(line.text)?.[1];
    if (!isInitSetting(key)) return;
    found.set(key, [...(found.get(key) ?? []), index]);
    if (!assignment) return;
    setAt.set(key, index);
    const value = unquote(assignment[3] ?? '');
    if (value === '') delete current[key];
    else current[key] = value;
  });
  return {
    path: file,
    ...(previous === undefined ? {} : { previous }),
    doc,
    found,
    setAt,
    current,
  };
}

/** A value as dotenv reads it on one line: inside its quotes, else up to a `#`, trimmed. */
function unquote(raw: string): string {
  const quote = raw[0];
  if (quote === '"' || quote === "'" || quote === '`') {
    const end = raw.indexOf(quote, 1);
    if (end > 0) return raw.slice(1, end).trim();
  }
  return (raw.split('#')[0] ?? '').trim();
}

/** A value written so dotenv reads it back as it is; the whole-file check catches the rest. */
function quoteValue(value: string): string {
  if (/^[^\s#'"`]+$/.test(value)) return value;
  for (const quote of ["'", '"', '`']) if (!value.includes(quote)) return quote + value + quote;
  return value;
}

interface Built {
  lines: Line[];
  /** Each setting's value in the new file (undefined: unset). */
  values: Partial<Record<InitSetting, string>>;
  /** Settings whose line init wrote anew (the others keep the line the file had). */
  rewritten: Set<InitSetting>;
}

function build(t: Target, answers: Partial<Record<InitSetting, string>>): Built {
  const defaults = settingDefaults();
  const { lines } = t.doc;
  const values: Partial<Record<InitSetting, string>> = {};
  const rewritten = new Set<InitSetting>();
  /** Where each setting's block goes (its first line, or the description above it). */
  const anchors = new Map<number, InitSetting>();
  const dropped = new Set<number>();
  const blocks = new Map<InitSetting, Array<Omit<Line, 'eol'>>>();

  for (const key of INIT_SETTINGS) {
    const answer = answers[key]?.trim();
    const current = t.current[key];
    const value = answer === undefined ? current : answer === '' ? undefined : answer;
    if (value !== undefined) values[key] = value;
    const description = `# ${SETTINGS_VARIABLES[key]}`;
    const setAt = t.setAt.get(key);
    const existing = setAt === undefined ? undefined : lines[setAt];
    let setting: Omit<Line, 'eol'>;
    if (existing && value !== undefined && value === current) {
      // Unchanged: the user's own line stays, with its quoting and any comment after it.
      setting = existing;
    } else {
      rewritten.add(key);
      const prefix = (existing && ASSIGNMENT.exec(existing.text)?.[1]?.trimStart()) || '';
      setting = {
        text:
          value === undefined
            ? `# ${key}=${defaults[key] ?? ''}`
            : `${prefix}${key}=${quoteValue(value)}`,
      };
    }
    blocks.set(key, [{ text: description }, setting]);
    const own = t.found.get(key) ?? [];
    const mine = [...own];
    for (const index of own) {
      // The description init wrote above it last time goes with it.
      if (lines[index - 1]?.text.trimEnd() === description && !own.includes(index - 1)) {
        mine.push(index - 1);
      }
    }
    for (const index of mine) dropped.add(index);
    if (mine.length > 0) anchors.set(Math.min(...mine), key);
  }

  const out: Line[] = [];
  lines.forEach((line, index) => {
    const key = anchors.get(index);
    if (key !== undefined) {
      const eol = line.eol || t.doc.eol;
      for (const l of blocks.get(key) ?? []) out.push({ ...l, eol });
    }
    if (!dropped.has(index)) out.push(line);
  });
  const placed = new Set(anchors.values());
  const missing = INIT_SETTINGS.filter((key) => !placed.has(key));
  const last = out.at(-1);
  if (last && last.eol === '' && missing.length > 0)
    out[out.length - 1] = { ...last, eol: t.doc.eol };
  for (const key of missing) {
    if (out.length > 0 && out.at(-1)?.text.trim() !== '') out.push({ text: '', eol: t.doc.eol });
    for (const l of blocks.get(key) ?? []) out.push({ ...l, eol: t.doc.eol });
  }
  return { lines: out, values, rewritten };
}

/**
 * Loads the new content as `mesh` will (from a private temporary file), so every rule of loading
 * holds before anything is written; faults name the flag, or the line of the file read.
 */
async function checkWhole(
  file: string,
  content: string,
  built: Built,
  o: InitOptions,
): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mesh-init-'));
  const candidate = path.join(dir, '.env');
  const lookup =
    o.lookupUser ??
    (process.platform === 'linux'
      ? (name: string) => lookupUser(name, { runner: createRunner() })
      : undefined);
  let variables: Record<string, string>;
  try {
    await writeFile(candidate, content, { mode: 0o600 });
    ({ variables } = await loadSettings({
      envFile: candidate,
      env: {},
      ...(lookup ? { lookupUser: lookup } : {}),
    }));
  } catch (error) {
    throw faultInFile(error, file, built);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  for (const key of built.rewritten) {
    const value = built.values[key];
    if (variables[key] === value) continue;
    throw new MeshError(
      value === undefined
        ? `${file}: ${key} stays set by a line mesh init cannot replace`
        : `${flagOf(key)}: ${JSON.stringify(value)} cannot be written to a .env file as it is`,
      {
        kind: 'badInput',
        hint:
          value === undefined
            ? `remove that line from ${file}; nothing was written`
            : 'leave out the quotes and trailing backslash; nothing was written',
      },
    );
  }
}

function faultInFile(error: unknown, file: string, built: Built): MeshError {
  if ((error as { name?: unknown } | null)?.name !== 'PlatformConfigError') {
    return toMeshError(error, `checking ${file}`);
  }
  const e = error as Error & { variable: string; location?: { line: number } };
  const what = faultOf(e, e.variable);
  const from = e.location ? built.lines[e.location.line - 1]?.from : undefined;
  const key = isInitSetting(e.variable) ? e.variable : undefined;
  if (key && (from === undefined || built.rewritten.has(key))) {
    return new MeshError(`${flagOf(key)}: ${what}`, {
      kind: 'badInput',
      hint: `give ${flagOf(key)} another value, or ${flagOf(key)} '' to leave it unset; nothing was written`,
      cause: error,
    });
  }
  const where = from === undefined ? file : `${file}:${from}`;
  const fix = from === undefined ? `fix ${file}` : `fix line ${from} of ${file}`;
  return new MeshError(`${where}: ${e.variable}: ${what}`, {
    kind: 'badInput',
    hint: key
      ? `give ${flagOf(key)} a valid value (or '' to leave it unset), or ${fix}; nothing was written`
      : `${fix}; nothing was written`,
    cause: error,
  });
}

function describeChanges(
  t: Target,
  built: Built,
  o: { changed: boolean; existed: boolean },
): string[] {
  const changes: string[] = [];
  if (!o.existed) changes.push(`created ${t.path}`);
  for (const key of INIT_SETTINGS) {
    const before = t.current[key];
    const after = built.values[key];
    if (before === after) continue;
    if (after === undefined) changes.push(`unset ${key} (was ${before})`);
    else changes.push(`set ${key}=${after}${before === undefined ? '' : ` (was ${before})`}`);
  }
  if (o.changed && changes.length === 0) {
    changes.push(`described every setting in ${t.path}, unset ones commented out`);
  }
  return changes;
}

/** Places that win over the file, as loading reads them, which would hide what it says. */
async function overriding(file: string, o: InitOptions): Promise<string[]> {
  const env = o.env ?? process.env;
  const cwd = o.cwd ?? process.cwd();
  const warnings: string[] = [];
  const named = env['MESH_ENV_FILE'];
  if (named && path.resolve(cwd, named) !== file) {
    warnings.push(`MESH_ENV_FILE is set: mesh reads ${named}, not ${file}`);
  }
  const here = path.resolve(cwd, '.env');
  const parent = path.resolve(cwd, '..', '.env');
  if (file === parent && here !== parent && (await readIfExists(here).catch(() => undefined))) {
    warnings.push(`${here} wins over ${file} for every variable it sets`);
  }
  for (const key of INIT_SETTINGS) {
    if (env[key]?.trim())
      warnings.push(`${key} is set in the environment, which wins over ${file}`);
  }
  return warnings;
}
