import os from 'node:os';
import path from 'node:path';
import * as z from 'zod/mini';
import { FileEditError, PlatformConfigError } from '../errors.js';
import { readIfExists, writeFileAtomic } from '../internal/atomic-file.js';
import { inRoot } from '../internal/root.js';

/** Where Mesh keeps its settings and its state on this machine. */
export interface MeshDirs {
  /** Settings Mesh writes (`headscale-server`, `hosts.yaml`). */
  config: string;
  /** State and logs (supervised services, pid files). */
  state: string;
}

export interface DirsOptions {
  /** @default process.platform */
  platform?: NodeJS.Platform;
  /** @default process.env */
  env?: Record<string, string | undefined>;
  /** @default os.homedir() (or HOME / USERPROFILE from `env`) */
  home?: string;
}

function homeOf(options: DirsOptions, win: boolean): string {
  const env = options.env ?? process.env;
  return options.home ?? (win ? env['USERPROFILE'] : env['HOME']) ?? os.homedir();
}

/**
 * Config and state directories per OS:
 * - Linux: `$XDG_CONFIG_HOME/mesh` (`~/.config/mesh`, where existing installs keep their files) and
 *   `$XDG_STATE_HOME/mesh` (`~/.local/state/mesh`);
 * - Windows: `%APPDATA%\mesh` and `%LOCALAPPDATA%\mesh`;
 * - macOS: `~/Library/Preferences/mesh` and `~/Library/Application Support/mesh`.
 */
export function meshDirs(options: DirsOptions = {}): MeshDirs {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  if (platform === 'win32') {
    const home = homeOf(options, true);
    const p = path.win32;
    return {
      config: p.join(env['APPDATA'] ?? p.join(home, 'AppData', 'Roaming'), 'mesh'),
      state: p.join(env['LOCALAPPDATA'] ?? p.join(home, 'AppData', 'Local'), 'mesh'),
    };
  }
  const home = homeOf(options, false);
  if (platform === 'darwin') {
    return {
      config: path.posix.join(home, 'Library', 'Preferences', 'mesh'),
      state: path.posix.join(home, 'Library', 'Application Support', 'mesh'),
    };
  }
  // XDG says relative values are invalid and must be ignored.
  const xdg = (name: string, fallback: string) => {
    const v = env[name];
    return v && path.posix.isAbsolute(v) ? v : path.posix.join(home, fallback);
  };
  return {
    config: path.posix.join(xdg('XDG_CONFIG_HOME', '.config'), 'mesh'),
    state: path.posix.join(xdg('XDG_STATE_HOME', '.local/state'), 'mesh'),
  };
}

/** File name of the saved server URL: the name existing installs already use. */
export const SERVER_URL_FILE = 'headscale-server';

export interface ServerUrlFileOptions extends DirsOptions {
  /** Machine root the file lives under. @default '/' */
  root?: string;
}

const urlSchema = z.url({ protocol: /^https?$/ });

function ownFile(options: ServerUrlFileOptions): string {
  const join =
    (options.platform ?? process.platform) === 'win32' ? path.win32.join : path.posix.join;
  return join(meshDirs(options).config, SERVER_URL_FILE);
}

function candidates(options: ServerUrlFileOptions): string[] {
  const own = ownFile(options);
  // Older installs kept ~/.config/mesh on every OS; read it too so they keep working.
  const legacy = path.posix.join(homeOf(options, false), '.config', 'mesh', SERVER_URL_FILE);
  return own === legacy || (options.platform ?? process.platform) === 'win32'
    ? [own]
    : [own, legacy];
}

/** Reads the saved Headscale URL (`~/.config/mesh/headscale-server`, plain text), if any. */
export async function readSavedServerUrl(
  options: ServerUrlFileOptions = {},
): Promise<string | undefined> {
  for (const file of candidates(options)) {
    const text = await readIfExists(inRoot(options.root, file));
    if (text === undefined) continue;
    const url = text.trim();
    if (url === '') continue;
    const parsed = urlSchema.safeParse(url);
    if (!parsed.success) {
      throw new FileEditError(file, `does not hold a server URL: ${JSON.stringify(url)}`, {
        hint: 'rerun `mesh client setup --server URL` or delete the file',
      });
    }
    return url.replace(/\/+$/, '');
  }
  return undefined;
}

/** Saves the Headscale URL atomically, as one line of plain text (mode 0644). */
export async function writeSavedServerUrl(
  url: string,
  options: ServerUrlFileOptions = {},
): Promise<{ changed: boolean; path: string }> {
  const parsed = urlSchema.safeParse(url);
  if (!parsed.success) throw new PlatformConfigError('server URL', `not an http(s) URL: ${url}`);
  const file = inRoot(options.root, ownFile(options));
  const result = await writeFileAtomic(file, `${url.replace(/\/+$/, '')}\n`, {
    mode: 0o644,
    backup: false,
  });
  return { changed: result.changed, path: file };
}

/** Where a server URL came from, in resolution order. */
export type ServerUrlSource = 'option' | 'MESH_SERVER_URL' | 'HEADSCALE_SERVER' | 'saved';

/**
 * The one rule for which Headscale server URL to use; every command that needs it asks this.
 * In order:
 *
 * 1. `option`, a URL the caller was given explicitly (`--server`, `--server-url`, a discovered
 *    server). Taken as given even when empty, so that the caller can refuse `--server ''`
 *    instead of silently using another URL.
 * 2. `MESH_SERVER_URL` (`settings.serverUrl`).
 * 3. The older `HEADSCALE_SERVER` (`settings.headscaleServer`).
 * 4. The file setup saved ({@link readSavedServerUrl}); a file that holds no URL throws
 *    {@link FileEditError}.
 *
 * An empty variable counts as unset (`loadSettings` drops it). There is no built-in
 * default. Trailing slashes are removed.
 */
export async function resolveServerUrl(
  input: {
    option?: string | undefined;
    settings?: { serverUrl?: string | undefined; headscaleServer?: string | undefined };
  } & ServerUrlFileOptions,
): Promise<{ url: string; source: ServerUrlSource } | undefined> {
  const trim = (url: string) => url.replace(/\/+$/, '');
  if (input.option !== undefined) return { url: trim(input.option), source: 'option' };
  if (input.settings?.serverUrl) {
    return { url: trim(input.settings.serverUrl), source: 'MESH_SERVER_URL' };
  }
  if (input.settings?.headscaleServer) {
    return { url: trim(input.settings.headscaleServer), source: 'HEADSCALE_SERVER' };
  }
  const saved = await readSavedServerUrl(input);
  return saved === undefined ? undefined : { url: saved, source: 'saved' };
}
