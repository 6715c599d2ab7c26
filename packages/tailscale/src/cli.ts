import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { redact, rememberSecret } from '@mesh/errors';
import { createRunner, englishError, type Runner, type RunResult } from '@mesh/platform';
import { resolveBinary } from './binaries.js';
import {
  TailscaleAbortError,
  TailscaleAuthKeyError,
  TailscaleCommandError,
  TailscaleControlUnreachableError,
  TailscaleDaemonUnreachableError,
  TailscaleSchemaError,
  TailscaleTimeoutError,
} from './errors.js';
import { classifyAuthKeyMessage } from './join.js';
import { type Status, StatusSchema } from './schemas/status.js';

/** Options of {@link TailscaleCli}. */
export interface TailscaleCliOptions {
  /** tailscale binary. @default option → `MESH_TAILSCALE_BIN` → /var/cache/mesh/bin → PATH */
  binary?: string;
  /** tailscaled's socket, passed as the global `--socket` before the subcommand. */
  socketPath?: string;
  /** Runs the processes (e.g. `namespaceRunner(ns)` in the lab). @default createRunner() */
  runner?: Runner;
  /** Per-command timeout in milliseconds (`up` adds its own wait). @default 30000 */
  timeout?: number;
}

/** Options of `up` and `login`. */
export interface CliUpOptions {
  /** `--login-server`; always pass one, the default is Tailscale's SaaS. */
  loginServer: string;
  /**
   * Pre-auth key, handed over as `--auth-key=file:<0600 temp file>`, never in argv. tailscaled
   * keeps it in memory until it restarts (see {@link join}).
   */
  authKey?: string;
  hostname?: string;
  /** @default false */
  acceptRoutes?: boolean;
  /** @default true (the CLI's own default) */
  acceptDns?: boolean;
  /** Milliseconds `up` waits for Running (`--timeout`; the CLI default blocks forever). @default 60000 */
  timeout?: number;
  /** `--reset`: unspecified settings go back to defaults (`up` only). */
  reset?: boolean;
  /** `--force-reauth`, needed to change the login server of a running node. */
  forceReauth?: boolean;
  /** More flags, e.g. `['--netfilter-mode=off']`. Never put a key here. */
  extraArgs?: string[];
  signal?: AbortSignal;
}

/** One `pong from …` line of `tailscale ping`. */
export interface CliPong {
  name: string;
  ip: string;
  /** `ip:port` for a direct path, `DERP(code)` when relayed, or `peer-relay(…)`. */
  via: string;
  direct: boolean;
  latencyMs: number;
}

/** What `tailscale ping` did. A missing reply is a result, not a throw. */
export interface CliPingResult {
  /** Exit 0: a direct pong arrived (or, with `untilDirect: false`, any pong). */
  ok: boolean;
  /** Any pong came over a direct path. */
  direct: boolean;
  pongs: CliPong[];
  exitCode: number;
  output: string;
}

/** Options of {@link TailscaleCli.ping}. */
export interface CliPingOptions {
  /** `-c`. @default 10 */
  count?: number;
  /** `--until-direct`. @default true */
  untilDirect?: boolean;
  tsmp?: boolean;
  icmp?: boolean;
  /** Per-ping `--timeout` in milliseconds. @default 5000 */
  pingTimeout?: number;
  signal?: AbortSignal;
}

const PONG = /^pong from (\S+) \(([^),]+)[^)]*\) via (.+?) in ([\d.]+)(µs|us|ms|s)\b/;

/** Parses `tailscale ping` output into pongs. */
export function parsePingOutput(output: string): CliPong[] {
  const pongs: CliPong[] = [];
  for (const line of output.split('\n')) {
    const m = PONG.exec(line.trim());
    if (!m) continue;
    const [, name = '', ip = '', via = '', num = '0', unit = 'ms'] = m;
    const scale = unit === 's' ? 1000 : unit === 'ms' ? 1 : 0.001;
    pongs.push({
      name,
      ip,
      via,
      direct: !via.startsWith('DERP(') && !via.startsWith('peer-relay'),
      latencyMs: Number(num) * scale,
    });
  }
  return pongs;
}

/**
 * Drives the `tailscale` CLI through a {@link Runner}. `--socket` is a global flag and always
 * goes before the subcommand. Auth keys travel in a 0600 file (`--auth-key=file:`), never argv.
 * Prefer the LocalAPI (`LocalApiClient`, `join`) where you can; this exists for parity with
 * what users type and for hosts where only the CLI is reachable.
 */
export class TailscaleCli {
  readonly binary: string;
  readonly socketPath: string | undefined;
  readonly timeout: number;
  readonly #runner: Runner;

  constructor(options: TailscaleCliOptions = {}) {
    this.binary = resolveBinary('tailscale', options.binary);
    this.socketPath = options.socketPath;
    this.timeout = options.timeout ?? 30_000;
    this.#runner = options.runner ?? createRunner();
  }

  /** Runs `tailscale [--socket=…] <args>`; non-zero exits are returned, not thrown. */
  async run(
    args: readonly string[],
    options: { timeout?: number; signal?: AbortSignal } = {},
  ): Promise<RunResult> {
    const argv = [...(this.socketPath ? [`--socket=${this.socketPath}`] : []), ...args];
    let r: RunResult;
    try {
      r = await this.#runner.run(this.binary, argv, {
        timeout: options.timeout ?? this.timeout,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      // The runner stops a cancelled program and throws; that is the caller's abort.
      if (options.signal?.aborted) {
        throw new TailscaleAbortError(`tailscale ${args[0] ?? ''} was aborted`, { cause: error });
      }
      throw error;
    }
    if (r.exitCode !== 0 && /failed to connect to local tailscaled/.test(r.stderr)) {
      throw new TailscaleDaemonUnreachableError(this.socketPath ?? '(default socket)', {
        cause: redactResult(r),
      });
    }
    return r;
  }

  /** `tailscale up`; resolves when Running, else throws a classified error. */
  async up(o: CliUpOptions): Promise<void> {
    await this.#upOrLogin('up', o);
  }

  /** `tailscale login` (same flags as `up`, no `--reset`). */
  async login(o: CliUpOptions): Promise<void> {
    await this.#upOrLogin('login', o);
  }

  /** `tailscale logout`. */
  async logout(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.#check(await this.run(['logout'], options));
  }

  /** `tailscale status --json`, validated. */
  async status(options: { signal?: AbortSignal } = {}): Promise<Status> {
    const r = this.#check(await this.run(['status', '--json'], options));
    let value: unknown;
    try {
      value = JSON.parse(r.stdout);
    } catch (e) {
      throw new TailscaleSchemaError(`status --json printed non-JSON: ${r.stdout.slice(0, 200)}`, {
        cause: e,
      });
    }
    const parsed = StatusSchema.safeParse(value);
    if (!parsed.success) {
      const error = englishError(parsed);
      throw new TailscaleSchemaError(`status --json: ${error.message}`, {
        cause: error,
      });
    }
    return parsed.data;
  }

  /** `tailscale ip`: this node's tailnet IPs; empty when it has none (not Running). */
  async ip(options: { signal?: AbortSignal } = {}): Promise<string[]> {
    const r = await this.run(['ip'], options);
    if (r.exitCode !== 0 && /no current Tailscale IPs/.test(r.stderr)) return [];
    return this.#check(r)
      .stdout.split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  }

  /** `tailscale ping <target>`. "no reply" and "direct connection not established" are results. */
  async ping(target: string, o: CliPingOptions = {}): Promise<CliPingResult> {
    const count = o.count ?? 10;
    const perPing = o.pingTimeout ?? 5_000;
    const args = [
      'ping',
      `--c=${count}`,
      `--until-direct=${o.untilDirect ?? true}`,
      `--timeout=${Math.ceil(perPing / 1000)}s`,
      ...(o.tsmp ? ['--tsmp'] : []),
      ...(o.icmp ? ['--icmp'] : []),
      target,
    ];
    const r = await this.run(args, {
      timeout: Math.max(count, 1) * (perPing + 1_000) + 5_000,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const output = `${r.stdout}\n${r.stderr}`;
    if (r.exitCode !== 0 && !/no reply|direct connection not established|timed out/.test(output)) {
      this.#check(r);
    }
    const pongs = parsePingOutput(r.stdout);
    return {
      ok: r.exitCode === 0,
      direct: pongs.some((p) => p.direct),
      pongs,
      exitCode: r.exitCode,
      output,
    };
  }

  /**
   * `tailscale version`: first line (short) and the `long version:` value. For just the
   * `X.Y.Z` release, pass the output to {@link parseTailscaleVersion}.
   */
  async version(options: { signal?: AbortSignal } = {}): Promise<{ short: string; long: string }> {
    const r = this.#check(await this.run(['version'], options));
    const lines = r.stdout.split('\n').map((l) => l.trim());
    const short = lines[0] ?? '';
    const long =
      lines
        .find((l) => l.startsWith('long version:'))
        ?.slice(14)
        .trim() ?? short;
    return { short, long };
  }

  async #upOrLogin(cmd: 'up' | 'login', o: CliUpOptions): Promise<void> {
    const waitMs = o.timeout ?? 60_000;
    const args = [
      cmd,
      `--login-server=${o.loginServer}`,
      `--accept-routes=${o.acceptRoutes ?? false}`,
      `--accept-dns=${o.acceptDns ?? true}`,
      `--timeout=${Math.ceil(waitMs / 1000)}s`,
      ...(o.hostname ? [`--hostname=${o.hostname}`] : []),
      ...(o.reset && cmd === 'up' ? ['--reset'] : []),
      ...(o.forceReauth ? ['--force-reauth'] : []),
      ...(o.extraArgs ?? []),
    ];
    let dir: string | undefined;
    try {
      if (o.authKey) {
        rememberSecret(o.authKey);
        // A private directory (0700) holding a 0600 file: only this user can read the key.
        dir = await mkdtemp(joinPath(tmpdir(), 'mesh-ts-key-'));
        const keyFile = joinPath(dir, 'authkey');
        await writeFile(keyFile, o.authKey, { mode: 0o600 });
        args.push(`--auth-key=file:${keyFile}`);
      }
      // The CLI's own --timeout should fire first; the process timeout is the backstop.
      const r = await this.run(args, {
        timeout: waitMs + 15_000,
        ...(o.signal ? { signal: o.signal } : {}),
      });
      if (r.exitCode === 0) return;
      await this.#explainUpFailure(r, o, waitMs);
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  }

  async #explainUpFailure(r: RunResult, o: CliUpOptions, waitMs: number): Promise<never> {
    const stderr = redact(r.stderr);
    const backend = /backend error: (.*)/.exec(stderr)?.[1];
    if (backend) {
      const reason = classifyAuthKeyMessage(backend);
      if (reason) throw new TailscaleAuthKeyError(reason, backend, { cause: redactResult(r) });
    }
    if (r.timedOut || /timeout waiting for Tailscale service/.test(stderr)) {
      // The CLI only says "timeout"; health holds the reason (as `join` does over the LocalAPI).
      const health = await this.status().then(
        (s) => s.Health ?? [],
        () => [] as string[],
      );
      const host = safeHost(o.loginServer);
      const unreachable = health.find(
        (h) =>
          host !== undefined &&
          h.includes(host) &&
          /fetch control key|dial tcp|refused|no route|i\/o timeout/.test(h),
      );
      if (unreachable) {
        throw new TailscaleControlUnreachableError(o.loginServer, unreachable, {
          cause: redactResult(r),
        });
      }
      const auth = health
        .map((h) => /last login error was: (.*)$/.exec(h)?.[1])
        .find((t): t is string => t !== undefined && classifyAuthKeyMessage(t) !== undefined);
      if (auth) {
        const reason = classifyAuthKeyMessage(auth);
        if (reason) throw new TailscaleAuthKeyError(reason, auth, { cause: redactResult(r) });
      }
      throw new TailscaleTimeoutError(
        `tailscale up (health: ${health.join(' | ') || 'none'})`,
        waitMs,
        {
          cause: redactResult(r),
        },
      );
    }
    this.#check(r);
    throw new TailscaleCommandError(r.command, r.exitCode, stderr);
  }

  #check(r: RunResult): RunResult {
    if (r.exitCode === 0) return r;
    if (r.timedOut) {
      throw new TailscaleTimeoutError(redact(r.command), this.timeout, { cause: redactResult(r) });
    }
    throw new TailscaleCommandError(r.command, r.exitCode, redact(r.stderr), {
      cause: redactResult(r),
    });
  }
}

function safeHost(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

function redactResult(r: RunResult): RunResult {
  return { ...r, command: redact(r.command), stdout: redact(r.stdout), stderr: redact(r.stderr) };
}
