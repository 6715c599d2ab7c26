import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { headscaleHardeningGaps, headscalePolicyOf, readHeadscaleConfig } from '@mesh/headscale';
import { modeOpenToOthers, TAILSCALED_ENV_FILE } from '@mesh/platform';
import { readSyncthingHome } from '@mesh/syncthing-client';
import type { MeshContext } from '../../context.js';
import { servicesDir } from '../../internal/services.js';
import { underRoot } from '../../paths.js';
import { TAILSCALED_SERVICE } from '../tailscale.js';
import type { StatusCheck } from './types.js';

/** Options of {@link securitySection}; for tests. */
export interface SecurityOptions {
  /** Where the process table is read. @default '/proc' */
  proc?: string;
}

/**
 * The environment file of Tailscale's own tailscaled service: `/etc/default/tailscaled`, which
 * the Linux package's unit reads (`EnvironmentFile=`), or `tailscaled-env.txt` on Windows.
 */
export function tailscaledEnvFile(ctx: MeshContext): string {
  return process.platform === 'win32'
    ? TAILSCALED_ENV_FILE
    : underRoot(ctx.paths.root, '/etc/default/tailscaled');
}

/** `KEY=VALUE` lines of an environment file (comments and blank lines skipped, quotes removed). */
export function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m?.[1]) vars[m[1]] = unquote((m[2] ?? '').trim());
  }
  return vars;
}

const unquote = (v: string) => (/^(["']).*\1$/.test(v) ? v.slice(1, -1) : v);

/** Go's strconv.ParseBool "true", which tailscaled's envknob reads its switches with. */
const goTrue = (v: string | undefined) => v !== undefined && /^(1|t|T|TRUE|true|True)$/.test(v);

/** Whether tailscaled's argv turns log upload off (`--no-logs-no-support`, `=true` or not). */
function flagsSayNoLogs(argv: readonly string[]): boolean {
  return argv.some((a) => {
    const m = /^--?no-logs-no-support(?:=(.*))?$/.exec(a);
    return m !== null && (m[1] === undefined || goTrue(m[1]));
  });
}

/**
 * Whether a GUI address answers on this machine only: a loopback host, or a unix socket. An
 * empty host (`:8384`), `0.0.0.0`, `::` or a LAN address answer other machines too.
 */
export function guiOnLoopback(address: string): boolean {
  if (/^unixs?:\/\//.test(address)) return true;
  const hostPort = address.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  const host = hostPort.replace(/:\d*$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** A file whose content is a secret: only its owner should read it. */
export interface SecretFile {
  path: string;
  /** What it holds, for messages. */
  what: string;
  /** Which harden command tightens it. */
  side: 'server' | 'client';
}

/**
 * The secret files of this machine that exist (or may: a missing one is skipped by whoever
 * looks): Headscale's API key and private keys and the join keys saved on the server,
 * Syncthing's private key and config (it holds the REST API key), tailscaled's state.
 */
export async function secretFiles(ctx: MeshContext): Promise<SecretFile[]> {
  const keysDir = path.join(ctx.paths.stateDir, 'keys');
  const joinKeys = await readdir(keysDir).catch(() => [] as string[]);
  const st = ctx.paths.syncthingHome;
  return [
    { path: ctx.paths.apiKeyFile, what: 'the Headscale API key', side: 'server' as const },
    ...joinKeys
      .filter((n) => n.endsWith('.key'))
      .sort()
      .map((n) => ({
        path: path.join(keysDir, n),
        what: 'a saved join key',
        side: 'server' as const,
      })),
    ...['noise_private.key', 'derp_server_private.key'].map((n) => ({
      path: path.join(ctx.paths.headscale.stateDir, n),
      what: "Headscale's private key",
      side: 'server' as const,
    })),
    { path: path.join(st, 'key.pem'), what: "Syncthing's private key", side: 'client' as const },
    { path: path.join(st, 'https-key.pem'), what: "Syncthing's GUI key", side: 'client' as const },
    {
      path: path.join(st, 'config.xml'),
      what: "Syncthing's config (it holds the API key)",
      side: 'client' as const,
    },
    {
      path: path.join(ctx.paths.tailscale.stateDir, 'tailscaled.state'),
      what: "tailscaled's state (its node key)",
      side: 'client' as const,
    },
  ];
}

/** The mode of `file` when others than its owner may use it; undefined when not, or when unseen. */
export async function openMode(file: string): Promise<number | undefined> {
  return modeOpenToOthers(file).catch(() => undefined);
}

/** Where tailscaled's log upload stands, and what says so. */
export interface TailscaledLogs {
  state: 'off' | 'on' | 'unknown';
  evidence: string;
}

/**
 * Whether the tailscaled this machine's mesh talks to uploads its logs to Tailscale. The
 * running daemon decides (its argv, and its environment when this user may read it); when
 * that cannot tell, what would start it: Mesh's own service, or the environment file of
 * Tailscale's. Reads local files only.
 */
export async function tailscaledLogs(
  ctx: MeshContext,
  o: SecurityOptions = {},
): Promise<TailscaledLogs> {
  const daemon = await runningTailscaled(ctx, o.proc ?? '/proc');
  if (daemon && flagsSayNoLogs(daemon.argv)) {
    return { state: 'off', evidence: `pid ${daemon.pid} runs with --no-logs-no-support` };
  }
  if (daemon?.env) {
    return goTrue(daemon.env['TS_NO_LOGS_NO_SUPPORT'])
      ? { state: 'off', evidence: `pid ${daemon.pid} has TS_NO_LOGS_NO_SUPPORT=true` }
      : {
          state: 'on',
          evidence: `pid ${daemon.pid} has neither --no-logs-no-support nor TS_NO_LOGS_NO_SUPPORT=true`,
        };
  }
  // The daemon is not found, or its environment is not ours to read: what would start it.
  const sources = [...meshServiceFiles(ctx), { file: tailscaledEnvFile(ctx), envFile: true }];
  let seen: string | undefined;
  for (const s of sources) {
    const text = await readFile(s.file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    seen ??= s.file;
    const vars = s.envFile ? parseEnvFile(text) : undefined;
    const off = vars
      ? goTrue(vars['TS_NO_LOGS_NO_SUPPORT']) || flagsSayNoLogs((vars['FLAGS'] ?? '').split(/\s+/))
      : /--no-logs-no-support\b/.test(text);
    if (off) return { state: 'off', evidence: `set in ${s.file}` };
  }
  if (seen !== undefined) return { state: 'on', evidence: `not set in ${seen}` };
  return { state: 'unknown', evidence: 'no tailscaled here' };
}

/** The definition of Mesh's own tailscaled service, as each service manager keeps it. */
function meshServiceFiles(ctx: MeshContext): Array<{ file: string; envFile: false }> {
  return [
    underRoot(ctx.paths.root, `/etc/systemd/system/${TAILSCALED_SERVICE}.service`),
    path.join(servicesDir(ctx), `${TAILSCALED_SERVICE}.run`),
  ].map((file) => ({ file, envFile: false as const }));
}

/**
 * The tailscaled process serving this machine's socket, from the process table: its argv, and
 * its environment when readable (a root daemon's is not, to other users). Linux only.
 */
async function runningTailscaled(
  ctx: MeshContext,
  proc: string,
): Promise<{ pid: number; argv: string[]; env: Record<string, string> | undefined } | undefined> {
  if (process.platform !== 'linux') return undefined;
  const same = (p: string) => p.replace(/^\/var\/run\//, '/run/');
  const want = same(ctx.paths.tailscale.socketPath);
  const pids = (await readdir(proc).catch(() => [] as string[])).filter((n) => /^\d+$/.test(n));
  // comm is the program's file name cut to 15 characters (tailscaled-v1.102: tailscaled-v1.1).
  const comms = await Promise.all(
    pids.map((pid) => readFile(path.join(proc, pid, 'comm'), 'utf8').catch(() => '')),
  );
  for (const [i, pid] of pids.entries()) {
    if (!comms[i]?.startsWith('tailscaled')) continue;
    const raw = await readFile(path.join(proc, pid, 'cmdline'), 'utf8').catch(() => '');
    const argv = raw.split('\0').filter((a) => a !== '');
    if (same(socketOf(argv)) !== want) continue;
    const environ = await readFile(path.join(proc, pid, 'environ'), 'utf8').catch(() => undefined);
    return {
      pid: Number(pid),
      argv,
      env: environ === undefined ? undefined : parseEnvFile(environ.split('\0').join('\n')),
    };
  }
  return undefined;
}

/** tailscaled's `--socket` (Go flags: one or two dashes, `=` or the next word), or its default. */
function socketOf(argv: readonly string[]): string {
  for (let i = 0; i < argv.length; i++) {
    const m = /^--?socket(?:=(.*))?$/.exec(argv[i] ?? '');
    if (m) return m[1] ?? argv[i + 1] ?? '';
  }
  return '/var/run/tailscale/tailscaled.sock';
}

const HARDEN_SERVER = 'mesh harden server';
const HARDEN_CLIENT = 'mesh harden client';

/**
 * Security: on the server, the ACL policy and Headscale's hardened settings; everywhere, whether
 * tailscaled uploads logs, whether Syncthing's GUI answers other machines, and who may read the
 * secret files. Missing hardening is a warning; a secret file every user may read is a failure.
 * Reads local files only: no daemon is asked anything.
 */
export async function securitySection(
  ctx: MeshContext,
  o: SecurityOptions = {},
): Promise<{ checks: StatusCheck[] }> {
  const checks: StatusCheck[] = [];
  const add = (c: Omit<StatusCheck, 'section'>) => checks.push({ section: 'security', ...c });
  const [server, logs, gui, files] = await Promise.all([
    ctx.role === 'server' ? serverChecks(ctx) : Promise.resolve([]),
    tailscaledLogs(ctx, o),
    readSyncthingHome(ctx.paths.syncthingHome).then(
      (h) => h.guiAddress,
      () => undefined,
    ),
    fileChecks(ctx),
  ]);
  for (const c of server) add(c);
  if (logs.state === 'off') {
    add({
      name: 'tailscaled-logs',
      level: 'ok',
      message: `tailscaled uploads no logs (${logs.evidence})`,
    });
  } else if (logs.state === 'on') {
    add({
      name: 'tailscaled-logs',
      level: 'warn',
      message: `tailscaled uploads its logs to log.tailscale.com (${logs.evidence}): ${HARDEN_CLIENT} turns that off`,
      fix: HARDEN_CLIENT,
    });
  }
  if (gui !== undefined) {
    add(
      guiOnLoopback(gui)
        ? {
            name: 'syncthing-gui',
            level: 'ok',
            message: `Syncthing's GUI answers this machine only (${gui})`,
          }
        : {
            name: 'syncthing-gui',
            level: 'warn',
            message: `Syncthing's GUI listens on ${gui}, where other machines reach it: ${HARDEN_CLIENT} binds it to 127.0.0.1`,
            fix: HARDEN_CLIENT,
          },
    );
  }
  for (const c of files) add(c);
  return { checks };
}

/** The ACL policy and the hardened settings of Headscale's config (server only). */
async function serverChecks(ctx: MeshContext): Promise<Array<Omit<StatusCheck, 'section'>>> {
  const configPath = ctx.paths.headscale.configPath;
  let config: Record<string, unknown>;
  try {
    config = await readHeadscaleConfig(configPath);
  } catch (error) {
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    // Missing or damaged: the Headscale section says so. Unreadable: root's to look at.
    return code === 'EACCES' || code === 'EPERM'
      ? [
          {
            name: 'policy',
            level: 'info',
            message: `${configPath} is not readable by this user: run mesh status as root to see its policy and hardening`,
          },
        ]
      : [];
  }
  const out: Array<Omit<StatusCheck, 'section'>> = [];
  const policy = headscalePolicyOf(config);
  if (policy.mode === 'file' && policy.path !== '') {
    const present = await stat(policy.path).then(
      (s) => s.isFile(),
      (error: NodeJS.ErrnoException) => error.code !== 'ENOENT',
    );
    out.push(
      present
        ? { name: 'policy', level: 'ok', message: `ACL policy: ${policy.path}` }
        : {
            name: 'policy',
            level: 'fail',
            message: `The ACL policy ${policy.path} that ${configPath} names is missing: Headscale does not start without it`,
            fix: `${HARDEN_SERVER} (writes it)`,
          },
    );
  } else {
    out.push({
      name: 'policy',
      level: 'warn',
      message:
        policy.mode === 'database'
          ? `No ACL policy file (policy.mode: database): unless one was stored over the API, every node may open any port on every other; ${HARDEN_SERVER} writes one`
          : `No ACL policy (policy.path is empty): every node may open any port on every other; ${HARDEN_SERVER} writes one`,
      fix: HARDEN_SERVER,
    });
  }
  const gaps = headscaleHardeningGaps(config);
  out.push(
    gaps.length === 0
      ? {
          name: 'headscale-config',
          level: 'ok',
          message: `${configPath} has the hardened settings`,
        }
      : {
          name: 'headscale-config',
          level: 'warn',
          message: `${configPath} is not hardened: ${gaps
            .map(
              (g) => `${g.key} is ${g.current === undefined ? 'unset' : JSON.stringify(g.current)}`,
            )
            .join(', ')}; ${HARDEN_SERVER} sets them`,
          fix: HARDEN_SERVER,
        },
  );
  return out;
}

/** One check per secret file open to others; one line for all when none is. */
async function fileChecks(ctx: MeshContext): Promise<Array<Omit<StatusCheck, 'section'>>> {
  const files = await secretFiles(ctx);
  const seen = await Promise.all(
    files.map(async (f) => {
      const info = await stat(f.path).catch(() => undefined);
      return info?.isFile() ? { ...f, mode: await openMode(f.path) } : undefined;
    }),
  );
  const present = seen.filter((f) => f !== undefined);
  const open = present.filter((f) => f.mode !== undefined);
  if (present.length === 0) return [];
  if (open.length === 0) {
    return [
      {
        name: 'key-files',
        level: 'ok',
        message: `Key files: ${present.length}, each readable by its owner only`,
      },
    ];
  }
  return open.map((f) => {
    const mode = (f.mode ?? 0).toString(8).padStart(4, '0');
    const fix = `chmod 600 ${f.path} (or mesh harden ${f.side})`;
    // Every user may read it: a secret no longer. Only its group: a warning.
    return ((f.mode ?? 0) & 0o004) !== 0
      ? {
          name: 'key-files',
          level: 'fail' as const,
          message: `${f.path}, ${f.what}, is readable by every user (mode ${mode})`,
          fix,
        }
      : {
          name: 'key-files',
          level: 'warn' as const,
          message: `${f.path}, ${f.what}, is open to its group (mode ${mode}; 0600 expected)`,
          fix,
        };
  });
}
