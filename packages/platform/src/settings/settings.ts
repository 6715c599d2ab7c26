import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { parseHostnameList } from '../detect/role.js';
import { PlatformConfigError } from '../errors.js';
import { readIfExists } from '../internal/atomic-file.js';

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
  /** `HEADSCALE_SERVER`: an older server URL override, still read so existing setups work. */
  headscaleServer?: string;
  /** `LOCALAPPDATA` (Windows): where Syncthing's config lives. */
  localAppData?: string;
  /** The `.env` file that was read, if any. */
  envFile?: string;
}

const hostnames = z
  .string()
  .regex(/^[A-Za-z0-9.,\s-]*$/, 'a comma-separated list of hostnames (letters, digits, - and .)');
const serverUrl = z
  .url({ protocol: /^https?$/, error: 'an http:// or https:// URL such as http://10.0.0.1:8080' })
  .transform((u) => u.replace(/\/+$/, ''));

const schema = z.object({
  MESH_SERVER_HOSTNAMES: hostnames.optional(),
  MESH_WSL2_HOSTNAMES: hostnames.optional(),
  MESH_WINDOWS_HOSTNAMES: hostnames.optional(),
  MESH_DEFAULT_USER: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_.-]*\$?$/, 'a user name (letters, digits, _ . -)')
    .optional(),
  MESH_SHARED_FOLDER_LINUX: z
    .string()
    .refine((p) => path.posix.isAbsolute(p), 'an absolute POSIX path such as /opt/shared')
    .optional(),
  MESH_SHARED_FOLDER_WINDOWS: z
    .string()
    .regex(/^[A-Za-z]:[\\/]/, 'an absolute Windows path such as C:\\shared')
    .optional(),
  MESH_SERVER_URL: serverUrl.optional(),
  MESH_AGENT_FORGET_AFTER: z.coerce
    .number({ error: 'a number of seconds such as 600' })
    .int('a whole number of seconds')
    .min(0, 'zero or more seconds')
    .optional(),
  MESH_AGENT_RECHECK_AFTER: z.coerce
    .number({ error: 'a number of seconds such as 60' })
    .int('a whole number of seconds')
    .min(1, 'one second or more')
    .optional(),
  HEADSCALE_SERVER: serverUrl.optional(),
  LOCALAPPDATA: z.string().optional(),
  USER: z.string().optional(),
});

/** Every variable Mesh reads from `.env`, with its meaning (for `.env.example` and docs). */
export const SETTINGS_VARIABLES = {
  MESH_SERVER_HOSTNAMES: 'Comma-separated hostnames that have the server role',
  MESH_WSL2_HOSTNAMES: 'Hostnames of the PC when it runs as WSL2',
  MESH_WINDOWS_HOSTNAMES: 'Hostnames of the PC when it runs as Windows',
  MESH_DEFAULT_USER: 'Default SSH user (default: $USER, then "user")',
  MESH_SHARED_FOLDER_LINUX: 'Shared folder on Linux and WSL2 (default: /opt/shared)',
  MESH_SHARED_FOLDER_WINDOWS: 'Shared folder on Windows (default: C:\\shared)',
  MESH_SERVER_URL: 'Headscale server URL for (re)joining',
  MESH_AGENT_FORGET_AFTER:
    'Seconds a node may be gone from the control server before the agent forgets its device (default: 600)',
  MESH_AGENT_RECHECK_AFTER:
    "Seconds no peer may answer before the agent restarts tailscaled to learn this node's standing at the control server (default: 60)",
  HEADSCALE_SERVER: 'Shell-era server URL override',
} as const;

export interface LoadSettingsOptions {
  /** Directory whose `.env` (or its parent's) is read. @default process.cwd() */
  dir?: string;
  /** An explicit `.env` file; overrides `dir`. */
  envFile?: string;
  /**
   * The process environment; it wins over `.env`, so a variable set for one run overrides the
   * file. @default process.env
   */
  env?: Record<string, string | undefined>;
}

/** Finds the `.env` in `dir` or its parent directory, where existing installs keep it. */
export async function findEnvFile(dir: string): Promise<string | undefined> {
  for (const candidate of [path.join(dir, '.env'), path.join(path.dirname(dir), '.env')]) {
    if ((await readIfExists(candidate)) !== undefined) return candidate;
  }
  return undefined;
}

/**
 * Validates a merged set of variables; throws {@link PlatformConfigError} naming the first bad one.
 * Empty values count as unset.
 */
export function parseSettings(vars: Record<string, string | undefined>): MeshSettings {
  const cleaned: Record<string, string> = {};
  for (const key of [...Object.keys(SETTINGS_VARIABLES), 'LOCALAPPDATA', 'USER']) {
    const v = vars[key]?.trim();
    if (v) cleaned[key] = v;
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
    ...(d.HEADSCALE_SERVER ? { headscaleServer: d.HEADSCALE_SERVER } : {}),
    ...(d.LOCALAPPDATA ? { localAppData: d.LOCALAPPDATA } : {}),
  };
}

/**
 * Loads Mesh's settings: the `.env` file (parsed with dotenv) under the process environment,
 * validated with zod. Throws {@link PlatformConfigError} naming the bad variable.
 */
export async function loadSettings(options: LoadSettingsOptions = {}): Promise<MeshSettings> {
  const env = options.env ?? process.env;
  const envFile = options.envFile ?? (await findEnvFile(options.dir ?? process.cwd()));
  let fileVars: Record<string, string> = {};
  if (envFile !== undefined) {
    const text = await readIfExists(envFile);
    if (text === undefined && options.envFile !== undefined) {
      throw new PlatformConfigError('.env', `${envFile} does not exist`);
    }
    fileVars = parseDotenv(text ?? '');
  }
  const settings = parseSettings({ ...fileVars, ...env });
  return envFile === undefined ? settings : { ...settings, envFile };
}
