/**
 * Renders and writes an offline Headscale configuration: embedded DERP only, no update checks,
 * no log upload, policy stored in the database. Key names follow
 * `juanfont/headscale@v0.29.2:config-example.yaml` and are accepted by 0.26 through 0.29.
 */

import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { dirname, isAbsolute, join } from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { HeadscaleConfigError } from '../errors.js';

/** A PostgreSQL database for Headscale. */
export interface HeadscalePostgresOptions {
  type: 'postgres';
  host: string;
  port: number;
  /** Database name. */
  name: string;
  user: string;
  /** Written into the (0600) config file; never put on a command line. */
  password?: string;
}

/** Options for {@link renderHeadscaleConfig} and {@link writeHeadscaleConfig}. */
export interface HeadscaleConfigOptions {
  /** URL clients use to reach the server, e.g. `http://10.99.0.1:8080` (an IP literal in the lab). */
  serverUrl: string;
  /** `host:port` the HTTP server binds, e.g. `10.99.0.1:8080` (`[::1]:8080` for IPv6). */
  listenAddr: string;
  /** Absolute directory for the database, the noise and DERP keys. */
  stateDir: string;
  /** Unix socket of the local CLI/gRPC API. @default `${stateDir}/headscale.sock` */
  socketPath?: string;
  /** @default { type: 'sqlite' } (file `${stateDir}/db.sqlite`, WAL on) */
  database?: { type: 'sqlite' } | HeadscalePostgresOptions;
  /** Tailnet address ranges. @default { v4: '100.64.0.0/10', v6: 'fd7a:115c:a1e0::/48' } */
  prefixes?: { v4?: string; v6?: string };
  /** MagicDNS base domain; must not be the server URL's host or a suffix of it. @default 'mesh.internal' */
  baseDomain?: string;
  /** IPv4 address clients dial for the embedded DERP server. @default the host of `serverUrl` when it is an IPv4 literal */
  derpIpv4?: string;
  /** `host:port` of the embedded STUN listener. @default `${host of listenAddr}:3478` */
  stunListenAddr?: string;
  /** Headscale log level (`trace`, `debug`, `info`, `warn`, `error`). @default 'info' */
  logLevel?: string;
  /**
   * Absolute path of an ACL policy file to read (`policy.mode: file`). @default none: the policy
   * is kept in the database (`policy.mode: database`), where the API can set it
   */
  policyPath?: string;
  /** `taildrop.enabled` (Headscale 0.28+). @default not written: Headscale's own default, on */
  taildrop?: boolean;
}

const LOG_LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'panic']);

/** Splits `host:port` / `[v6]:port`; throws {@link HeadscaleConfigError} if malformed. */
export function splitHostPort(addr: string, what: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || !(port >= 0 && port <= 65535)) {
    throw new HeadscaleConfigError(`${what} must be host:port, got ${JSON.stringify(addr)}`, {
      hint: `use for example 127.0.0.1:8080 or [::1]:8080`,
    });
  }
  return { host: m[1] ?? m[2] ?? '', port };
}

function joinHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

function checkCidr(value: string, family: 4 | 6, what: string): string {
  const [ip, bits, extra] = value.split('/');
  const max = family === 4 ? 32 : 128;
  if (
    extra !== undefined ||
    ip === undefined ||
    isIP(ip) !== family ||
    !/^\d+$/.test(bits ?? '') ||
    Number(bits) > max
  ) {
    throw new HeadscaleConfigError(
      `${what} must be an IPv${family} CIDR, got ${JSON.stringify(value)}`,
      {
        hint:
          family === 4 ? 'use for example 100.64.0.0/10' : 'use for example fd7a:115c:a1e0::/48',
      },
    );
  }
  return value;
}

/** Parses and checks `serverUrl`; throws {@link HeadscaleConfigError} if it is not an http(s) URL with a host. */
export function parseServerUrl(serverUrl: string): URL {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch (cause) {
    throw new HeadscaleConfigError(`serverUrl is not a valid URL: ${JSON.stringify(serverUrl)}`, {
      cause,
      hint: 'use for example http://10.99.0.1:8080',
    });
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new HeadscaleConfigError(
      `serverUrl must be http:// or https:// with a host, got ${JSON.stringify(serverUrl)}`,
      {
        hint: 'use for example http://10.99.0.1:8080',
      },
    );
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username) {
    throw new HeadscaleConfigError(
      `serverUrl must have no path, query or credentials, got ${JSON.stringify(serverUrl)}`,
      {
        hint: 'Headscale serves from the root of its URL',
      },
    );
  }
  return url;
}

/** Builds the config as a plain object (what {@link renderHeadscaleConfig} serialises). */
export function headscaleConfigObject(o: HeadscaleConfigOptions): Record<string, unknown> {
  const url = parseServerUrl(o.serverUrl);
  const urlHost = url.hostname.replace(/^\[|\]$/g, '');
  const listen = splitHostPort(o.listenAddr, 'listenAddr');
  if (!isAbsolute(o.stateDir)) {
    throw new HeadscaleConfigError(
      `stateDir must be an absolute path, got ${JSON.stringify(o.stateDir)}`,
      {
        hint: 'Headscale resolves relative key and database paths against the config file directory; pass an absolute path',
      },
    );
  }
  const socketPath = o.socketPath ?? join(o.stateDir, 'headscale.sock');
  if (!isAbsolute(socketPath)) {
    throw new HeadscaleConfigError(
      `socketPath must be absolute, got ${JSON.stringify(socketPath)}`,
      {
        hint: 'unix_socket is not resolved against the config directory; pass an absolute path',
      },
    );
  }
  // Linux sun_path is 108 bytes including the NUL.
  if (Buffer.byteLength(socketPath) > 107) {
    throw new HeadscaleConfigError(
      `socketPath is too long for a unix socket (${Buffer.byteLength(socketPath)} > 107 bytes)`,
      {
        hint: 'use a shorter stateDir or an explicit short socketPath',
      },
    );
  }
  const baseDomain = o.baseDomain ?? 'mesh.internal';
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(baseDomain)) {
    throw new HeadscaleConfigError(
      `baseDomain must be a lowercase DNS name, got ${JSON.stringify(baseDomain)}`,
      {
        hint: 'use for example mesh.internal',
      },
    );
  }
  // Headscale refuses a base domain equal to, or a suffix of, the server URL's host.
  if (urlHost === baseDomain || urlHost.endsWith(`.${baseDomain}`)) {
    throw new HeadscaleConfigError(
      `baseDomain ${baseDomain} must not be the server host ${urlHost} or a suffix of it`,
      {
        hint: 'pick a MagicDNS domain distinct from the server name, e.g. mesh.internal',
      },
    );
  }
  const derpIpv4 = o.derpIpv4 ?? (isIP(urlHost) === 4 ? urlHost : undefined);
  if (derpIpv4 !== undefined && isIP(derpIpv4) !== 4) {
    throw new HeadscaleConfigError(
      `derpIpv4 must be an IPv4 address, got ${JSON.stringify(derpIpv4)}`,
      {
        hint: 'give the address clients dial for the embedded DERP server',
      },
    );
  }
  const stunListenAddr =
    o.stunListenAddr ?? joinHostPort(listen.host === '' ? '0.0.0.0' : listen.host, 3478);
  splitHostPort(stunListenAddr, 'stunListenAddr');
  const logLevel = o.logLevel ?? 'info';
  if (!LOG_LEVELS.has(logLevel)) {
    throw new HeadscaleConfigError(
      `logLevel must be one of ${[...LOG_LEVELS].join(', ')}, got ${JSON.stringify(logLevel)}`,
    );
  }
  if (o.policyPath !== undefined && !isAbsolute(o.policyPath)) {
    throw new HeadscaleConfigError(
      `policyPath must be an absolute path, got ${JSON.stringify(o.policyPath)}`,
      { hint: 'pass the absolute path of the policy file' },
    );
  }
  const v4 = checkCidr(o.prefixes?.v4 ?? '100.64.0.0/10', 4, 'prefixes.v4');
  const v6 = checkCidr(o.prefixes?.v6 ?? 'fd7a:115c:a1e0::/48', 6, 'prefixes.v6');

  const db = o.database ?? { type: 'sqlite' as const };
  let database: Record<string, unknown>;
  if (db.type === 'postgres') {
    if (
      !db.host ||
      !db.name ||
      !db.user ||
      !Number.isInteger(db.port) ||
      db.port < 1 ||
      db.port > 65535
    ) {
      throw new HeadscaleConfigError(
        'database (postgres) needs host, port (1-65535), name and user',
        {
          hint: 'for example { type: "postgres", host: "127.0.0.1", port: 5432, name: "headscale", user: "headscale" }',
        },
      );
    }
    database = {
      type: 'postgres',
      postgres: {
        host: db.host,
        port: db.port,
        name: db.name,
        user: db.user,
        pass: db.password ?? '',
        max_open_conns: 10,
        max_idle_conns: 10,
        conn_max_idle_time_secs: 3600,
        ssl: false,
      },
    };
  } else {
    database = {
      type: 'sqlite',
      sqlite: {
        path: join(o.stateDir, 'db.sqlite'),
        write_ahead_log: true,
        wal_autocheckpoint: 1000,
      },
    };
  }

  return {
    server_url: url.origin,
    listen_addr: joinHostPort(listen.host, listen.port),
    // Empty = the metrics/debug server is not started (one less port to collide).
    metrics_listen_addr: '',
    // Only bound with TLS or grpc_allow_insecure; the CLI uses the unix socket instead.
    grpc_listen_addr: '',
    grpc_allow_insecure: false,
    noise: { private_key_path: join(o.stateDir, 'noise_private.key') },
    prefixes: { v4, v6, allocation: 'sequential' },
    derp: {
      server: {
        enabled: true,
        region_id: 999,
        region_code: 'mesh',
        region_name: 'Mesh embedded DERP',
        // Without this the embedded region is not in the map and an offline start fails.
        automatically_add_embedded_derp_region: true,
        stun_listen_addr: stunListenAddr,
        private_key_path: join(o.stateDir, 'derp_server_private.key'),
        ...(derpIpv4 === undefined ? {} : { ipv4: derpIpv4 }),
      },
      // No download of Tailscale's public DERP map: it would phone home, and a failed download is fatal.
      urls: [],
      paths: [],
      auto_update_enabled: false,
      update_frequency: '24h',
    },
    // Otherwise every CLI invocation, serve included, asks GitHub for the latest release.
    disable_check_updates: true,
    // 0 = nodes do not expire by default. Ephemeral timeout must be > 65s or serve refuses to start
    // (<= 0.27 read a top-level key instead, whose default 120s is fine; 0.29 warns about that key).
    node: { expiry: 0, ephemeral: { inactivity_timeout: '120s' } },
    database,
    log: { level: logLevel, format: 'text' },
    // Database mode is what lets PUT /api/v1/policy work; a policy file replaces it.
    policy:
      o.policyPath === undefined
        ? { mode: 'database', path: '' }
        : { mode: 'file', path: o.policyPath },
    dns: {
      magic_dns: true,
      base_domain: baseDomain,
      override_local_dns: false,
      nameservers: { global: [], split: {} },
      search_domains: [],
      extra_records: [],
    },
    unix_socket: socketPath,
    // Must be a quoted octal string: Headscale parses it base 8 and falls back to 0700 otherwise.
    unix_socket_permission: '0770',
    logtail: { enabled: false },
    auto_update: { enabled: false },
    // A new node, or a node's new disco key after tailscaled restarts, reaches the others'
    // netmaps only after these delays (800 ms and 500 ms by default, chosen for tailnets of
    // thousands); a person's few machines need no batching, and a joining machine is paired,
    // and syncing, that much sooner. Older releases ignore the keys they do not know.
    tuning: { batch_change_delay: '20ms', node_store_batch_timeout: '10ms' },
    // Last, so that adding it gives the same bytes as hardenHeadscaleConfig appending it.
    ...(o.taildrop === undefined ? {} : { taildrop: { enabled: o.taildrop } }),
  };
}

/**
 * Renders an offline Headscale configuration as YAML. Validates every option and throws
 * {@link HeadscaleConfigError} naming the bad one.
 */
export function renderHeadscaleConfig(o: HeadscaleConfigOptions): string {
  const body = stringify(headscaleConfigObject(o), { lineWidth: 0 });
  return `# Generated by @mesh/headscale. Offline: embedded DERP, no update checks, no log upload.\n${body}`;
}

/**
 * Writes the rendered config to `path` atomically (temp file + rename) with mode 0640, creating the
 * parent directory (0700) if needed. Returns `changed: false` when the file already had this exact
 * content and mode. On any failure nothing is left half-written.
 */
export async function writeHeadscaleConfig(
  path: string,
  o: HeadscaleConfigOptions,
): Promise<{ changed: boolean }> {
  const content = renderHeadscaleConfig(o);
  // 0640: the service runs as its own user, whose group may read it (nothing else may).
  return writeFileAtomic(path, content, 0o640);
}

/**
 * Reads a Headscale config file and checks that it parses as YAML into a mapping of settings,
 * so a damaged file is named before `headscale` is run on it (the program exits with a bare
 * `FTL` line otherwise). Does not check the values: Headscale does that when it starts.
 * Throws {@link HeadscaleConfigError}: the file is missing or unreadable (`cause` holds the
 * errno error), or its content is not a mapping (the message gives line and column).
 */
export async function readHeadscaleConfig(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new HeadscaleConfigError(
      code === 'ENOENT'
        ? `${path} does not exist`
        : `cannot read ${path}: ${code ?? (error as Error).message}`,
      {
        cause: error,
        hint:
          code === 'ENOENT'
            ? 'write it first (writeHeadscaleConfig)'
            : "check its permissions (Headscale's config is readable by root and its group only)",
      },
    );
  }
  // Go's YAML reader, which Headscale uses, also rejects duplicate keys and tab indentation.
  const doc = parseDocument(text);
  const error = doc.errors[0];
  if (error) {
    // The first line names the problem and its position; the rest is a source excerpt.
    const problem = (error.message.split('\n')[0] ?? '').replace(/:$/, '');
    throw new HeadscaleConfigError(`${path} is not valid YAML: ${problem}`, {
      cause: error,
      hint: `fix ${path} at the line named, or write it again`,
    });
  }
  const value: unknown = doc.toJS();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const found =
      value === null || value === undefined
        ? 'it is empty'
        : Array.isArray(value)
          ? 'it holds a list'
          : `it holds a single ${typeof value}`;
    throw new HeadscaleConfigError(
      `${path} is not a Headscale config: ${found}, not a mapping of settings`,
      { hint: `fix ${path}, or write it again` },
    );
  }
  return value as Record<string, unknown>;
}

/**
 * Atomically writes `content` to `path` with `mode`; `changed: false` if content and mode already match.
 * @internal shared by the config and unit writers.
 */
export async function writeFileAtomic(
  path: string,
  content: string,
  mode: number,
): Promise<{ changed: boolean }> {
  if (!isAbsolute(path)) {
    throw new HeadscaleConfigError(`path must be absolute, got ${JSON.stringify(path)}`, {
      hint: 'pass an absolute file path',
    });
  }
  try {
    const [existing, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    if (existing === content) {
      if ((st.mode & 0o777) === mode) return { changed: false };
      await chmod(path, mode);
      return { changed: true };
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') {
      throw fsError(`cannot read ${path}`, error);
    }
  }
  const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const fh = await open(tmp, 'wx', mode);
    try {
      await fh.writeFile(content, 'utf8');
      await fh.chmod(mode); // umask may have narrowed or the mode was ignored
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw fsError(`cannot write ${path}`, error);
  }
  return { changed: true };
}

function fsError(message: string, error: unknown): HeadscaleConfigError {
  const code = (error as NodeJS.ErrnoException).code;
  return new HeadscaleConfigError(`${message}: ${code ?? (error as Error).message}`, {
    cause: error,
    hint:
      code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? 'choose a writable directory or run with permission to write there'
        : 'check that the parent path is a directory and the disk is not full',
  });
}
