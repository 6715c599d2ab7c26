/**
 * Reading a Syncthing home without a running server: API key, GUI address, folders and own device
 * ID from `config.xml` / `cert.pem`, and the default home locations per platform.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { englishError } from '@mesh/errors';
import { XMLParser } from 'fast-xml-parser';
import * as z from 'zod/mini';
import { deviceIdFromCertificate } from './device-id.js';
import { SyncthingError } from './errors.js';

/** What {@link readSyncthingHome} learns. `apiKey` is a secret: keep it out of logs. */
export interface SyncthingHomeInfo {
  home: string;
  configPath: string;
  /** `gui.apikey` (may be empty if never generated). */
  apiKey: string | undefined;
  /** Raw `gui.address`, e.g. `127.0.0.1:8384` or `unix:///run/st.sock`. */
  guiAddress: string;
  /** Whether the GUI uses TLS (`tls="true"` or an `https://` address). */
  tls: boolean;
  /** URL for {@link SyncthingClient} `baseUrl` (`http(s)://host:port`); undefined for unix sockets. */
  baseUrl: string | undefined;
  /** Unix socket path when the GUI listens on one (use an undici `Agent({connect:{socketPath}})`). */
  socketPath: string | undefined;
  /** Own device ID computed from `cert.pem`, when readable. */
  deviceId: string | undefined;
  /** config.xml `version` attribute. */
  configVersion: number | undefined;
  /** The folders config.xml lists: ID and path as written there (no `~` expansion). */
  folders: Array<{ id: string; path: string }>;
}

const GuiXmlSchema = z.looseObject({
  address: z.optional(z.union([z.string(), z.number()])),
  apikey: z.optional(z.union([z.string(), z.number()])),
  '@_tls': z.optional(z.union([z.string(), z.boolean()])),
});
const FolderXmlSchema = z.looseObject({
  '@_id': z.union([z.string(), z.number()]),
  '@_path': z.optional(z.union([z.string(), z.number()])),
});
const ConfigXmlSchema = z.looseObject({
  configuration: z.looseObject({
    '@_version': z.optional(z.union([z.string(), z.number()])),
    gui: z.optional(GuiXmlSchema),
    folder: z.optional(z.array(FolderXmlSchema)),
  }),
});

/**
 * Default home directory, as Syncthing resolves it: `STHOMEDIR`, then (Windows)
 * `%LOCALAPPDATA%\Syncthing`, (macOS) `~/Library/Application Support/Syncthing`, (others)
 * `$XDG_STATE_HOME/syncthing` (1.27+) — pass `home` explicitly when in doubt.
 */
export function defaultSyncthingHome(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string {
  if (env['STHOMEDIR']) return env['STHOMEDIR'];
  if (platform === 'win32')
    return join(env['LOCALAPPDATA'] ?? join(homedir(), 'AppData', 'Local'), 'Syncthing');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Syncthing');
  return join(env['XDG_STATE_HOME'] ?? join(homedir(), '.local', 'state'), 'syncthing');
}

/** Parses config.xml text into GUI/API facts and the folder list (no filesystem access). */
export function parseSyncthingConfigXml(
  xml: string,
): Omit<SyncthingHomeInfo, 'home' | 'configPath' | 'deviceId'> {
  const parser = new XMLParser({
    ignoreAttributes: false,
    parseTagValue: false,
    parseAttributeValue: false,
    // One <folder> parses to an object, several to an array: always an array.
    isArray: (_name, jpath) => jpath === 'configuration.folder',
  });
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch (cause) {
    throw new SyncthingError('config.xml is not valid XML', { cause });
  }
  const parsed = ConfigXmlSchema.safeParse(doc);
  if (!parsed.success) {
    throw new SyncthingError('config.xml has no <configuration> element', {
      cause: englishError(parsed),
    });
  }
  const cfg = parsed.data.configuration;
  const gui = cfg.gui ?? {};
  const guiAddress = String(gui.address ?? '127.0.0.1:8384').trim();
  const apiKey = gui.apikey === undefined ? undefined : String(gui.apikey).trim() || undefined;
  const tlsAttr = String(gui['@_tls'] ?? 'false') === 'true';
  let baseUrl: string | undefined;
  let socketPath: string | undefined;
  let tls = tlsAttr;
  if (/^unixs?:\/\//.test(guiAddress)) {
    socketPath = guiAddress.replace(/^unixs?:\/\//, '');
    tls = guiAddress.startsWith('unixs://');
  } else if (/^https?:\/\//.test(guiAddress)) {
    tls = guiAddress.startsWith('https://') || tlsAttr;
    baseUrl = guiAddress.replace(/^https?:\/\//, tls ? 'https://' : 'http://').replace(/\/+$/, '');
  } else {
    // A wildcard listen address is reachable on loopback.
    const hostPort = guiAddress
      .replace(/^0\.0\.0\.0:/, '127.0.0.1:')
      .replace(/^\[::\]:/, '[::1]:')
      .replace(/^:/, '127.0.0.1:');
    baseUrl = `${tls ? 'https' : 'http'}://${hostPort}`;
  }
  const version = cfg['@_version'] === undefined ? undefined : Number(cfg['@_version']);
  return {
    apiKey,
    guiAddress,
    tls,
    baseUrl,
    socketPath,
    configVersion: Number.isFinite(version) ? version : undefined,
    folders: (cfg.folder ?? []).map((f) => ({
      id: String(f['@_id']),
      path: String(f['@_path'] ?? ''),
    })),
  };
}

/**
 * Reads `config.xml` (and `cert.pem`, if present) from a Syncthing home.
 * @param home the `--home` directory. @default defaultSyncthingHome()
 */
export async function readSyncthingHome(
  home: string = defaultSyncthingHome(),
): Promise<SyncthingHomeInfo> {
  const configPath = join(home, 'config.xml');
  let xml: string;
  try {
    xml = await readFile(configPath, 'utf8');
  } catch (cause) {
    throw new SyncthingError(`cannot read ${configPath}`, {
      cause,
      hint: 'pass the Syncthing --home directory (run `syncthing generate --home=DIR` first)',
    });
  }
  let deviceId: string | undefined;
  try {
    deviceId = deviceIdFromCertificate(await readFile(join(home, 'cert.pem'), 'utf8'));
  } catch {
    deviceId = undefined;
  }
  return { home, configPath, deviceId, ...parseSyncthingConfigXml(xml) };
}
