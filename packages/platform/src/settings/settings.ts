import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import * as z from 'zod/mini';
import { parseHostnameList } from '../detect/role.js';
import { PlatformConfigError } from '../errors.js';
import { readIfExists } from '../internal/atomic-file.js';
import {
  HEADSCALE_RELEASES_URL,
  SYNCTHING_RELEASES_URL,
  TAILSCALE_PACKAGES_URL,
} from '../packages/release-sources.js';
import type { UserAccount } from '../users.js';

/** Mesh's settings, from the environment and `.env`. */
export interface MeshSettings {
  /** `MESH_SERVER_HOSTNAMES`, lower-cased. */
  serverHostnames: string[];
  /** `MESH_WSL2_HOSTNAMES`, lower-cased. */
  wsl2Hostnames: string[];
  /** `MESH_WINDOWS_HOSTNAMES`, lower-cased. */
  windowsHostnames: string[];
  /** `MESH_DEFAULT_USER`, else `$USER`, else the literal `user`. */
  defaultUser: string;
  /**
   * The account `MESH_DEFAULT_USER` names, when it was set and {@link LoadSettingsOptions.lookupUser}
   * found it: the user who runs Syncthing and owns the shared folder on Linux.
   */
  defaultUserAccount?: UserAccount;
  /** `MESH_SHARED_FOLDER_LINUX`. @default '/opt/shared' */
  sharedFolderLinux: string;
  /** `MESH_SHARED_FOLDER_WINDOWS`. @default 'C:\\shared' */
  sharedFolderWindows: string;
  /** `MESH_SERVER_URL`: the Headscale URL to (re)join. */
  serverUrl?: string;
  /** `MESH_AGENT_FORGET_AFTER`, in seconds: how long a node may be gone from the control server before the agent forgets its device. @default 600 */
  agentForgetAfterS: number;
  /** `MESH_AGENT_RECHECK_AFTER`, in seconds: how long no peer may answer before the agent restarts tailscaled to learn this node's standing anew. @default 60 */
  agentRecheckAfterS: number;
  /** `MESH_MAGIC_DNS`: accept the tailnet's DNS (machine names resolve). @default true */
  magicDns: boolean;
  /** `MESH_TAILSCALE_PACKAGES_URL`: where Tailscale's release packages are. @default TAILSCALE_PACKAGES_URL */
  tailscalePackagesUrl: string;
  /** `MESH_HEADSCALE_RELEASES_URL`: where Headscale's release binaries are. @default HEADSCALE_RELEASES_URL */
  headscaleReleasesUrl: string;
  /** `MESH_SYNCTHING_RELEASES_URL`: where Syncthing's release archives are. @default SYNCTHING_RELEASES_URL */
  syncthingReleasesUrl: string;
  /** `HEADSCALE_SERVER`: an older server URL override, still read so existing setups work. */
  headscaleServer?: string;
  /** `LOCALAPPDATA` (Windows): where Syncthing's config lives. */
  localAppData?: string;
  /** The first `.env` file that was read, if any. */
  envFile?: string;
  /** Every `.env` file that was read, highest precedence first. */
  envFiles: string[];
  /** Where each of {@link FILE_VARIABLES} came from. */
  sources: Record<string, SettingSource>;
  /**
   * The non-empty values of {@link FILE_VARIABLES}, environment over files: what path and role
   * resolution read, so they agree with these settings.
   */
  variables: Record<string, string>;
}

const hostnames = z
  .string()
  .check(
    z.regex(
      /^[A-Za-z0-9.,\s-]*$/,
      'a comma-separated list of hostnames (letters, digits, - and .)',
    ),
  );
const serverUrl = z.pipe(
  z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL such as http://10.0.0.1:8080' }),
  z.transform((u) => u.replace(/\/+$/, '')),
);

// The package URL and its checksum file are built from it; a query or fragment would end up in
// the middle of both.
const packageSource = z.pipe(
  z
    .url({
      protocol: /^https?$/,
      error: 'an http:// or https:// URL such as https://pkgs.tailscale.com/stable',
    })
    .check(z.refine((u) => !/[?#]/.test(u), 'an http(s) URL without ?query or #fragment')),
  z.transform((u) => u.replace(/\/+$/, '')),
);

const schema = z.object({
  MESH_SERVER_HOSTNAMES: z.optional(hostnames),
  MESH_WSL2_HOSTNAMES: z.optional(hostnames),
  MESH_WINDOWS_HOSTNAMES: z.optional(hostnames),
  MESH_DEFAULT_USER: z.optional(
    z
      .string()
      .check(z.regex(/^[A-Za-z_][A-Za-z0-9_.-]*\$?$/, 'a user name (letters, digits, _ . -)')),
  ),
  MESH_SHARED_FOLDER_LINUX: z.optional(
    z
      .string()
      .check(
        z.refine((p) => path.posix.isAbsolute(p), 'an absolute POSIX path such as /opt/shared'),
      ),
  ),
  MESH_SHARED_FOLDER_WINDOWS: z.optional(
    z.string().check(z.regex(/^[A-Za-z]:[\\/]/, 'an absolute Windows path such as C:\\shared')),
  ),
  MESH_SERVER_URL: z.optional(serverUrl),
  MESH_AGENT_FORGET_AFTER: z.optional(
    z.coerce
      .number({ error: 'a number of seconds such as 600' })
      .check(z.int('a whole number of seconds'), z.gte(0, 'zero or more seconds')),
  ),
  MESH_AGENT_RECHECK_AFTER: z.optional(
    z.coerce
      .number({ error: 'a number of seconds such as 60' })
      .check(z.int('a whole number of seconds'), z.gte(1, 'one second or more')),
  ),
  MESH_MAGIC_DNS: z.optional(
    z.enum(['on', 'off'], { error: "on or off (off keeps this machine's DNS as it is)" }),
  ),
  MESH_TAILSCALE_PACKAGES_URL: z.optional(packageSource),
  MESH_HEADSCALE_RELEASES_URL: z.optional(packageSource),
  MESH_SYNCTHING_RELEASES_URL: z.optional(packageSource),
  HEADSCALE_SERVER: z.optional(serverUrl),
  LOCALAPPDATA: z.optional(z.string()),
  USER: z.optional(z.string()),
});

/** Every variable Mesh reads from `.env`, with its meaning (for `.env.example` and docs). */
export const SETTINGS_VARIABLES = {
  MESH_SERVER_HOSTNAMES: 'Comma-separated hostnames that have the server role',
  MESH_WSL2_HOSTNAMES: 'Hostnames of the PC when it runs as WSL2',
  MESH_WINDOWS_HOSTNAMES: 'Hostnames of the PC when it runs as Windows',
  MESH_DEFAULT_USER:
    'The user who runs Syncthing and owns the shared folder on Linux, and the default SSH user (default: $USER, then "user"; when unset, Syncthing runs as whoever runs setup)',
  MESH_SHARED_FOLDER_LINUX: 'Shared folder on Linux and WSL2 (default: /opt/shared)',
  MESH_SHARED_FOLDER_WINDOWS: 'Shared folder on Windows (default: C:\\shared)',
  MESH_SERVER_URL: 'Headscale server URL for (re)joining',
  MESH_AGENT_FORGET_AFTER:
    'Seconds a node may be gone from the control server before the agent forgets its device (default: 600)',
  MESH_AGENT_RECHECK_AFTER:
    "Seconds no peer may answer before the agent restarts tailscaled to learn this node's standing at the control server (default: 60)",
  MESH_MAGIC_DNS:
    "on: the tailnet's DNS resolves machine names (ping server); off: this machine's DNS is left alone (default: on)",
  MESH_TAILSCALE_PACKAGES_URL: `Where client setup downloads Tailscale's release packages on Linux (default: ${TAILSCALE_PACKAGES_URL})`,
  MESH_HEADSCALE_RELEASES_URL: `Where server setup downloads Headscale's release binaries when none is installed (default: ${HEADSCALE_RELEASES_URL})`,
  MESH_SYNCTHING_RELEASES_URL: `Where setup downloads Syncthing's release archives on Linux when none is installed (default: ${SYNCTHING_RELEASES_URL})`,
  HEADSCALE_SERVER: 'Shell-era server URL override',
} as const;

/** Where a setting's value came from: the process environment, a `.env` file (its path), or the default. */
export type SettingSource = 'env' | 'default' | (string & {});

/**
 * Variables Mesh reads from the environment or a `.env` file besides {@link SETTINGS_VARIABLES}:
 * they place files and programs, so paths and role detection must see the file's values too.
 */
export const RUNTIME_VARIABLES = {
  MESH_ROOT: 'Prefix standing in for / (labs and tests)',
  MESH_HOSTNAME: "This machine's name (namespaces share the kernel hostname)",
  MESH_ROLE: 'Force the role (server, wsl2, windows, unknown) instead of detecting it',
  MESH_TAILSCALE_SOCKET: 'tailscaled LocalAPI socket',
  MESH_TAILSCALE_TUN: 'tailscaled --tun value (default: tailscale0)',
  MESH_SYNCTHING_HOME: 'Syncthing home (config.xml, cert.pem, key.pem)',
  MESH_HEADSCALE_BIN: 'headscale binary',
  MESH_TAILSCALE_BIN: 'tailscale binary',
  MESH_TAILSCALED_BIN: 'tailscaled binary',
  MESH_SYNCTHING_BIN: 'syncthing binary',
} as const;

/**
 * `MESH_*` variables a `.env` file may not set: the file's own name, and keys, which belong in a
 * key file or the environment of one run rather than a file next to a checkout.
 */
export const ENVIRONMENT_ONLY_VARIABLES = {
  MESH_ENV_FILE: 'The one .env file to read instead of ./.env and ../.env',
  MESH_AUTH_KEY: 'Pre-auth key for client setup and join',
  MESH_TAILSCALE_AUTHKEY: 'Pre-auth key for the Windows script',
  MESH_STATUS_LOCAL: 'Set to 1: mesh status runs in the CLI itself instead of asking the agent',
} as const;

/** Every variable a `.env` file may set, in the order reports list them. */
export const FILE_VARIABLES: readonly string[] = [
  ...Object.keys(SETTINGS_VARIABLES),
  ...Object.keys(RUNTIME_VARIABLES),
];

export interface LoadSettingsOptions {
  /** Directory whose `./.env`, then `../.env`, is read. @default process.cwd() */
  dir?: string;
  /** One `.env` file read instead of the search (`MESH_ENV_FILE`); it must exist. */
  envFile?: string;
  /** Files read after `./.env` and `../.env`, lowest precedence; missing ones are skipped. */
  fallbackEnvFiles?: readonly string[];
  /**
   * The process environment; it wins over every `.env`, so a variable set for one run overrides
   * the files. @default process.env
   */
  env?: Record<string, string | undefined>;
  /**
   * Looks a user up (`lookupUser` from this package): when given, a `MESH_DEFAULT_USER` that
   * names no account is refused, with the file and line that set it.
   */
  lookupUser?: (name: string) => Promise<UserAccount | undefined>;
}

/** Finds the `.env` in `dir` or its parent directory, where existing installs keep it. */
export async function findEnvFile(dir: string): Promise<string | undefined> {
  for (const candidate of envFileCandidates(dir)) {
    if ((await readIfExists(candidate)) !== undefined) return candidate;
  }
  return undefined;
}

function envFileCandidates(dir: string): string[] {
  const here = path.resolve(dir, '.env');
  const parent = path.resolve(dir, '..', '.env');
  return here === parent ? [here] : [here, parent];
}

/**
 * Validates a merged set of variables; throws {@link PlatformConfigError} naming the first bad one.
 * Empty values count as unset. `sources` defaults to `env` for every set variable.
 */
export function parseSettings(
  vars: Record<string, string | undefined>,
  sources?: Record<string, SettingSource>,
): MeshSettings {
  const cleaned: Record<string, string> = {};
  for (const key of [...FILE_VARIABLES, 'LOCALAPPDATA', 'USER']) {
    const v = vars[key]?.trim();
    if (v) cleaned[key] = v;
  }
  const variables: Record<string, string> = {};
  const from: Record<string, SettingSource> = {};
  for (const key of FILE_VARIABLES) {
    const v = cleaned[key];
    if (v !== undefined) variables[key] = v;
    from[key] = sources?.[key] ?? (v === undefined ? 'default' : 'env');
  }
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    throw new PlatformConfigError(
      variable,
      `expected ${issue?.message ?? 'a valid value'}, got ${JSON.stringify(cleaned[variable] ?? '')}`,
      { cause: parsed.error },
    );
  }
  const d = parsed.data;
  return {
    serverHostnames: parseHostnameList(d.MESH_SERVER_HOSTNAMES),
    wsl2Hostnames: parseHostnameList(d.MESH_WSL2_HOSTNAMES),
    windowsHostnames: parseHostnameList(d.MESH_WINDOWS_HOSTNAMES),
    defaultUser: d.MESH_DEFAULT_USER ?? d.USER ?? 'user',
    sharedFolderLinux: d.MESH_SHARED_FOLDER_LINUX ?? '/opt/shared',
    sharedFolderWindows: d.MESH_SHARED_FOLDER_WINDOWS ?? 'C:\\shared',
    ...(d.MESH_SERVER_URL ? { serverUrl: d.MESH_SERVER_URL } : {}),
    agentForgetAfterS: d.MESH_AGENT_FORGET_AFTER ?? 600,
    agentRecheckAfterS: d.MESH_AGENT_RECHECK_AFTER ?? 60,
    magicDns: d.MESH_MAGIC_DNS !== 'off',
    tailscalePackagesUrl: d.MESH_TAILSCALE_PACKAGES_URL ?? TAILSCALE_PACKAGES_URL,
    headscaleReleasesUrl: d.MESH_HEADSCALE_RELEASES_URL ?? HEADSCALE_RELEASES_URL,
    syncthingReleasesUrl: d.MESH_SYNCTHING_RELEASES_URL ?? SYNCTHING_RELEASES_URL,
    ...(d.HEADSCALE_SERVER ? { headscaleServer: d.HEADSCALE_SERVER } : {}),
    ...(d.LOCALAPPDATA ? { localAppData: d.LOCALAPPDATA } : {}),
    envFiles: [],
    sources: from,
    variables,
  };
}

/**
 * Loads Mesh's settings. Per variable, the first non-empty value wins: the process environment,
 * then `./.env`, then `../.env`, then `fallbackEnvFiles`; `envFile` replaces the search. Each file
 * is checked whole before anything is used, and a fault throws {@link PlatformConfigError}
 * naming the file and line.
 */
export async function loadSettings(options: LoadSettingsOptions = {}): Promise<MeshSettings> {
  const env = options.env ?? process.env;
  const candidates =
    options.envFile !== undefined
      ? [options.envFile]
      : [...envFileCandidates(options.dir ?? process.cwd()), ...(options.fallbackEnvFiles ?? [])];
  const files: EnvFile[] = [];
  for (const file of [...new Set(candidates)]) {
    const text = await readIfExists(file);
    if (text === undefined) {
      if (options.envFile !== undefined) {
        throw new PlatformConfigError('.env', `${file} does not exist`);
      }
      continue;
    }
    files.push(readEnvFile(file, text));
  }
  const merged: Record<string, string | undefined> = { ...env };
  const sources: Record<string, SettingSource> = {};
  for (const key of FILE_VARIABLES) {
    if (env[key]?.trim()) {
      sources[key] = 'env';
      continue;
    }
    const file = files.find((f) => f.values[key] !== undefined);
    if (file === undefined) continue;
    merged[key] = file.values[key];
    sources[key] = file.path;
  }
  const settings = parseSettings(merged, sources);
  const envFiles = files.map((f) => f.path);
  const account = await defaultUserAccount(settings, files, options.lookupUser);
  return {
    ...settings,
    ...(account ? { defaultUserAccount: account } : {}),
    ...(envFiles[0] === undefined ? {} : { envFile: envFiles[0] }),
    envFiles,
  };
}

/** The account an explicitly set `MESH_DEFAULT_USER` names; throws when there is none. */
async function defaultUserAccount(
  settings: MeshSettings,
  files: readonly EnvFile[],
  lookup: LoadSettingsOptions['lookupUser'],
): Promise<UserAccount | undefined> {
  const name = settings.variables['MESH_DEFAULT_USER'];
  if (name === undefined || lookup === undefined) return undefined;
  const account = await lookup(name);
  if (account) return account;
  const file = files.find((f) => f.path === settings.sources['MESH_DEFAULT_USER']);
  const line = file?.lines['MESH_DEFAULT_USER'];
  throw new PlatformConfigError(
    'MESH_DEFAULT_USER',
    `names the user ${JSON.stringify(name)}, who does not exist on this machine`,
    {
      ...(file && line !== undefined ? { location: { file: file.path, line } } : {}),
      hint: `create the user (useradd --create-home ${name}) or name an existing one${
        file && line !== undefined ? ` on line ${line} of ${file.path}` : ''
      }; nothing was changed`,
    },
  );
}

interface EnvFile {
  path: string;
  /** The file's non-empty values of {@link FILE_VARIABLES}. */
  values: Record<string, string>;
  /** The line each of `values` was set on. */
  lines: Record<string, number>;
}

const settingsShape = schema.shape as Record<string, z.ZodMiniType | undefined>;
const KNOWN_MESH_VARIABLES = [...FILE_VARIABLES, ...Object.keys(ENVIRONMENT_ONLY_VARIABLES)];
const QUOTES = new Set(['"', "'", '`']);

/**
 * Parses one `.env` with dotenv and checks Mesh's lines in it: no unknown or environment-only
 * `MESH_*` key, every quote closed on its line, every value valid. Other programs' keys pass
 * through unchecked. dotenv reports no line numbers, so they come from scanning the raw text.
 */
function readEnvFile(file: string, raw: string): EnvFile {
  const text = raw.replace(/^\uFEFF/, '');
  const fault = (variable: string, line: number, message: string, cause?: unknown) =>
    new PlatformConfigError(variable, message, {
      location: { file, line },
      ...(cause === undefined ? {} : { cause }),
    });
  const textLines = text.split(/\r\n|\r|\n/);
  const mesh = new Map<string, number>();
  /** Lines whose quote stays open: dotenv reads such a value on across the next lines. */
  const opened: Array<{ key: string; line: number; quote: string }> = [];
  textLines.forEach((content, index) => {
    const line = index + 1;
    const m = /^\s*(?:export\s+)?([\w.-]+)\s*(?:=|:\s)\s*(.*)$/.exec(content);
    if (!m) return;
    const [, key = '', value = ''] = m;
    const quote = value[0] ?? '';
    const unclosed = QUOTES.has(quote) && !closesOnLine(value, quote);
    if (unclosed) opened.push({ key, line, quote });
    if (!(key.startsWith('MESH_') || Object.hasOwn(SETTINGS_VARIABLES, key))) return;
    if (Object.hasOwn(ENVIRONMENT_ONLY_VARIABLES, key)) {
      throw fault(key, line, 'is read from the environment only, not from a .env file');
    }
    if (!FILE_VARIABLES.includes(key)) {
      throw fault(
        key,
        line,
        `unknown setting; did you mean ${closest(key, KNOWN_MESH_VARIABLES)}?`,
      );
    }
    if (unclosed) throw fault(key, line, `unterminated ${quote} quote in the value`);
    mesh.set(key, line);
  });
  const parsed = parseDotenv(text);
  const values: Record<string, string> = {};
  const lines: Record<string, number> = {};
  for (const [key, line] of mesh) {
    const value = parsed[key];
    if (value === undefined) {
      const culprit = opened.filter((o) => o.line < line).at(-1);
      if (culprit) {
        throw fault(
          culprit.key,
          culprit.line,
          `unterminated ${culprit.quote} quote in the value (it hides ${key} on line ${line})`,
        );
      }
      continue;
    }
    const v = value.trim();
    if (v === '') continue;
    const check = settingsShape[key]?.safeParse(v);
    if (check && !check.success) {
      const issue = check.error.issues[0];
      throw fault(
        key,
        line,
        `expected ${issue?.message ?? 'a valid value'}, got ${JSON.stringify(v)}`,
        check.error,
      );
    }
    values[key] = v;
    lines[key] = line;
  }
  return { path: file, values, lines };
}

function closesOnLine(value: string, quote: string): boolean {
  for (let i = 1; i < value.length; i++) {
    if (value[i] === '\\') i++;
    else if (value[i] === quote) return true;
  }
  return false;
}

/** The known name nearest to `name` by edit distance, for "did you mean". */
function closest(name: string, known: readonly string[]): string {
  let best = known[0] ?? '';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
