/**
 * CLI transport: the local `headscale` binary talking to the server over its unix socket, so it
 * needs no API key (the way to bootstrap the first one). Output is `-o json`, passed as two argv
 * entries so Headscale recognises machine output and silences its logs (#1825).
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redact, rememberSecret } from '@mesh/errors';
import { createRunner, englishError, type Runner } from '@mesh/platform';
import * as z from 'zod/mini';
import { resolveHeadscaleBinary } from '../binary.js';
import {
  HeadscaleAbortError,
  HeadscaleCommandError,
  HeadscaleConnectionError,
  HeadscaleNotFoundError,
  HeadscaleTimeoutError,
  HeadscaleUnsupportedError,
} from '../errors.js';
import {
  cliApiKey,
  cliCreatedApiKey,
  cliError,
  cliHealth,
  cliList,
  cliNode,
  cliPreAuthKey,
  cliUser,
  cliVersion,
} from '../schemas/cli.js';
import type { Node, VersionInfo } from '../types.js';
import { headscaleSupports, requireHeadscaleFeature } from '../version.js';
import { versionInfo } from './rest.js';
import type {
  ApiKeyRef,
  CallContext,
  HeadscaleCallOptions,
  HeadscaleTransport,
  PreAuthKeyInput,
  PreAuthKeyRef,
} from './types.js';

/** Options of {@link CliTransport}. */
export interface CliTransportOptions {
  /** The `headscale` binary. @default option → `MESH_HEADSCALE_BIN` → /var/cache/mesh/bin/headscale → PATH */
  binary?: string;
  /** Config file passed as `-c`. @default Headscale's search path (/etc/headscale, ~/.headscale, .) */
  configPath?: string;
  /** Unix socket of the server (overrides `unix_socket` of the config via `HEADSCALE_UNIX_SOCKET`). */
  socketPath?: string;
  /** Runs the binary (e.g. inside a network namespace). @default createRunner() */
  runner?: Runner;
  /** Milliseconds per command. @default 15000 */
  timeout?: number;
}

const NOT_FOUND = /not found|no longer exists|does not exist|record not found/i;
const UNREACHABLE =
  /connecting to headscale|context deadline exceeded|unable to read\/write to headscale socket|connection refused|no such file or directory.*sock/i;

/** The CLI transport. Construct through `new HeadscaleClient({ cli: {...} })`. */
export class CliTransport implements HeadscaleTransport {
  readonly kind = 'cli' as const;
  readonly binary: string;
  readonly #o: CliTransportOptions;
  readonly #runner: Runner;

  constructor(o: CliTransportOptions = {}) {
    this.#o = o;
    this.binary = resolveHeadscaleBinary(o.binary);
    this.#runner = o.runner ?? createRunner();
  }

  /** Runs `headscale [-c cfg] ARGS -o json` and parses stdout with `schema`. */
  async run<S extends z.ZodMiniType>(
    args: string[],
    schema: S,
    ctx: HeadscaleCallOptions = {},
  ): Promise<z.output<S>> {
    const stdout = await this.exec(args, ctx);
    let json: unknown;
    try {
      json = JSON.parse(jsonPart(stdout));
    } catch (cause) {
      throw new HeadscaleCommandError(
        `headscale ${args.slice(0, 2).join(' ')}: output is not JSON: ${redact(stdout.slice(0, 200))}`,
        {
          cause,
          command: `${this.binary} ${args.join(' ')}`,
          exitCode: 0,
          hint: 'set disable_check_updates and a text log format so nothing else reaches stdout',
        },
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const error = englishError(parsed);
      throw new HeadscaleCommandError(
        `headscale ${args.slice(0, 2).join(' ')}: unexpected output shape: ${error.message}`,
        {
          cause: error,
          command: `${this.binary} ${args.join(' ')}`,
          exitCode: 0,
          hint: 'the server version may be newer than this client understands',
        },
      );
    }
    return parsed.data;
  }

  /** Runs `headscale [-c cfg] ARGS -o json`, maps failures to errors, returns stdout. */
  async exec(args: string[], ctx: HeadscaleCallOptions = {}): Promise<string> {
    const argv = [...(this.#o.configPath ? ['-c', this.#o.configPath] : []), ...args, '-o', 'json'];
    const command = `${this.binary} ${argv.join(' ')}`;
    const env: Record<string, string> = { HEADSCALE_DISABLE_CHECK_UPDATES: 'true' };
    if (this.#o.socketPath) env['HEADSCALE_UNIX_SOCKET'] = this.#o.socketPath;
    const timeout = ctx.timeout ?? this.#o.timeout ?? 15_000;
    let result: Awaited<ReturnType<Runner['run']>>;
    try {
      result = await this.#runner.run(this.binary, argv, {
        env,
        timeout,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
    } catch (cause) {
      // The runner stops a cancelled program and throws; that is the caller's abort.
      if (ctx.signal?.aborted) {
        throw new HeadscaleAbortError(`${command} aborted by the caller`, {
          cause,
          command,
        });
      }
      throw new HeadscaleCommandError(`cannot run ${this.binary}: ${(cause as Error).message}`, {
        cause,
        command,
        hint: 'install headscale or pass its path as binary (or MESH_HEADSCALE_BIN)',
      });
    }
    if (ctx.signal?.aborted) {
      throw new HeadscaleAbortError(`${command} aborted by the caller`, { command });
    }
    if (result.timedOut) {
      throw new HeadscaleTimeoutError(`${command} timed out`, {
        command,
        timeoutMs: timeout,
        hint: 'check that `headscale serve` is running and its socket is reachable',
      });
    }
    if (result.exitCode !== 0) {
      const message =
        errorMessage(result.stderr) ??
        errorMessage(result.stdout) ??
        (result.stderr.trim() || `exit code ${result.exitCode}`);
      const o = { command, exitCode: result.exitCode, stderr: result.stderr };
      if (UNREACHABLE.test(message)) {
        throw new HeadscaleConnectionError(
          `headscale ${args.slice(0, 2).join(' ')}: cannot reach the server: ${message}`,
          {
            ...o,
            hint: 'start `headscale serve`, and check the socket path and its permissions (0770, group of the server)',
          },
        );
      }
      if (NOT_FOUND.test(message)) {
        throw new HeadscaleNotFoundError(`headscale ${args.slice(0, 2).join(' ')}: ${message}`, {
          ...o,
          hint: 'check the name or ID',
        });
      }
      throw new HeadscaleCommandError(
        `headscale ${args.slice(0, 2).join(' ')} failed: ${message}`,
        { ...o, hint: 'see the message from Headscale' },
      );
    }
    return result.stdout;
  }

  async detectVersion(options: HeadscaleCallOptions = {}): Promise<VersionInfo> {
    const v = await this.run(['version'], cliVersion, options);
    return versionInfo(v.version, v.commit);
  }

  async health(ctx: CallContext) {
    requireHeadscaleFeature(ctx.version, 'health', 'headscale health');
    const h = await this.run(['health'], cliHealth, ctx);
    return { ok: true, databaseConnectivity: h.database_connectivity };
  }

  listUsers(filter: { id?: string; name?: string; email?: string }, ctx: CallContext) {
    const args = ['users', 'list'];
    if (filter.id) args.push('-i', filter.id);
    if (filter.name) args.push('-n', filter.name);
    if (filter.email) args.push('-e', filter.email);
    return this.run(args, cliList(cliUser), ctx);
  }
  createUser(
    input: { name: string; displayName?: string; email?: string; pictureUrl?: string },
    ctx: CallContext,
  ) {
    const args = ['users', 'create', input.name];
    if (input.displayName) args.push('-d', input.displayName);
    if (input.email) args.push('-e', input.email);
    if (input.pictureUrl) args.push('-p', input.pictureUrl);
    return this.run(args, cliUser, ctx);
  }
  async renameUser(id: string, newName: string, ctx: CallContext) {
    await this.#requireUser(id, ctx);
    return this.run(['users', 'rename', '-i', id, '-r', newName], cliUser, ctx);
  }
  async deleteUser(id: string, ctx: CallContext) {
    // `users destroy -i <missing>` answers "multiple users match query"; check first for a clear error.
    await this.#requireUser(id, ctx);
    await this.run(['users', 'destroy', '-i', id, '--force'], anyJson, ctx);
  }
  async #requireUser(id: string, ctx: CallContext) {
    const found = await this.listUsers({ id }, ctx);
    if (found.length === 0) {
      throw new HeadscaleNotFoundError(`user with ID ${id} not found`, {
        command: `headscale users list -i ${id}`,
        hint: 'check the ID',
      });
    }
  }

  listPreAuthKeys(userId: string | undefined, ctx: CallContext) {
    if (headscaleSupports(ctx.version, 'preAuthKeyListAll'))
      return this.run(['preauthkeys', 'list'], cliList(cliPreAuthKey), ctx);
    if (!userId)
      throw new HeadscaleUnsupportedError(
        'listing pre-auth keys of all users at once',
        ctx.version,
        { since: '0.28.0' },
      );
    return this.run(['preauthkeys', '-u', userId, 'list'], cliList(cliPreAuthKey), ctx);
  }
  async createPreAuthKey(input: PreAuthKeyInput, ctx: CallContext) {
    const seconds = Math.max(1, Math.ceil((input.expiration.getTime() - Date.now()) / 1000));
    const flags = ['-e', `${seconds}s`];
    if (input.reusable) flags.push('--reusable');
    if (input.ephemeral) flags.push('--ephemeral');
    if (input.aclTags.length > 0) flags.push('--tags', input.aclTags.join(','));
    // 0.28 made --user a flag of `create` (optional for tags-only keys); before it was a group flag.
    const args = headscaleSupports(ctx.version, 'tagsOnlyPreAuthKey')
      ? ['preauthkeys', 'create', ...(input.userId ? ['-u', input.userId] : []), ...flags]
      : ['preauthkeys', '-u', input.userId ?? '', 'create', ...flags];
    const key = await this.run(args, cliPreAuthKey, ctx);
    rememberSecret(key.key);
    return key;
  }
  async expirePreAuthKey(ref: PreAuthKeyRef, ctx: CallContext) {
    if (!headscaleSupports(ctx.version, 'preAuthKeyById')) {
      // Before 0.28 the CLI takes the full key as a positional argument: a secret in argv.
      throw new HeadscaleUnsupportedError(
        'expiring a pre-auth key over the CLI without putting the key in argv',
        ctx.version,
        {
          since: '0.28.0',
          hint: 'use the REST transport (API key) for this on Headscale < 0.28',
        },
      );
    }
    await this.run(['preauthkeys', 'expire', '-i', ref.id ?? ''], anyJson, ctx);
  }
  async deletePreAuthKey(id: string, ctx: CallContext) {
    requireHeadscaleFeature(ctx.version, 'preAuthKeyDelete', 'deleting pre-auth keys');
    await this.run(['preauthkeys', 'delete', '-i', id], anyJson, ctx);
  }

  listNodes(userName: string | undefined, ctx: CallContext) {
    return this.run(
      ['nodes', 'list', ...(userName ? ['-u', userName] : [])],
      cliList(cliNode),
      ctx,
    );
  }
  async getNode(id: string, ctx: CallContext): Promise<Node> {
    // The CLI has no `nodes get`; filter the list.
    const node = (await this.listNodes(undefined, ctx)).find((n) => n.id === id);
    if (!node)
      throw new HeadscaleNotFoundError(`node ${id} not found`, {
        command: 'headscale nodes list',
        hint: 'check the node ID',
      });
    return node;
  }
  expireNode(id: string, at: Date | undefined, ctx: CallContext) {
    if (at) requireHeadscaleFeature(ctx.version, 'nodeExpireAt', 'expiring a node at a given time');
    return this.run(
      ['nodes', 'expire', '-i', id, ...(at ? ['-e', at.toISOString()] : [])],
      cliNode,
      ctx,
    );
  }
  renameNode(id: string, newName: string, ctx: CallContext) {
    return this.run(['nodes', 'rename', '-i', id, newName], cliNode, ctx);
  }
  async deleteNode(id: string, ctx: CallContext) {
    await this.run(['nodes', 'delete', '-i', id, '--force'], anyJson, ctx);
  }
  setNodeTags(id: string, tags: string[], ctx: CallContext) {
    return this.run(['nodes', 'tag', '-i', id, '-t', tags.join(',')], cliNode, ctx);
  }
  approveRoutes(id: string, routes: string[], ctx: CallContext) {
    return this.run(['nodes', 'approve-routes', '-i', id, '-r', routes.join(',')], cliNode, ctx);
  }

  listApiKeys(ctx: CallContext) {
    return this.run(['apikeys', 'list'], cliList(cliApiKey), ctx);
  }
  async createApiKey(expiration: Date, ctx: CallContext) {
    const seconds = Math.max(1, Math.ceil((expiration.getTime() - Date.now()) / 1000));
    const created = await this.run(
      ['apikeys', 'create', '-e', `${seconds}s`],
      cliCreatedApiKey,
      ctx,
    );
    rememberSecret(created.key);
    return created;
  }
  async expireApiKey(ref: ApiKeyRef, ctx: CallContext) {
    await this.run(['apikeys', 'expire', ...apiKeyFlag(ref, ctx.version)], anyJson, ctx);
  }
  async deleteApiKey(ref: ApiKeyRef, ctx: CallContext) {
    await this.run(['apikeys', 'delete', ...apiKeyFlag(ref, ctx.version)], anyJson, ctx);
  }

  async getPolicy(ctx: CallContext) {
    // `policy get` prints the policy text itself, even with -o json.
    return { policy: await this.exec(['policy', 'get'], ctx) };
  }
  async setPolicy(policy: string, ctx: CallContext) {
    // `policy set` reads a file; keep it private and short-lived.
    const dir = await mkdtemp(join(tmpdir(), 'mesh-hs-policy-'));
    try {
      const file = join(dir, 'policy.hujson');
      await writeFile(file, policy, { mode: 0o600 });
      await this.exec(['policy', 'set', '-f', file], ctx); // prints "Policy updated."
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    return this.getPolicy(ctx);
  }
}

function apiKeyFlag(ref: ApiKeyRef, version: string): string[] {
  if (ref.id && headscaleSupports(version, 'apiKeyById')) return ['-i', ref.id];
  if (ref.prefix) return ['-p', ref.prefix];
  throw new HeadscaleUnsupportedError('addressing API keys by ID', version, {
    since: '0.28.0',
    hint: 'pass the prefix',
  });
}

const anyJson = z.unknown();

/** The `{"error": "..."}` body Headscale prints with `-o json`, if present. */
function errorMessage(text: string): string | undefined {
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  try {
    const parsed = cliError.safeParse(JSON.parse(text.slice(start)));
    return parsed.success ? parsed.data.error : undefined;
  } catch {
    return undefined;
  }
}

/** Skips anything before the JSON value (defensive: stray log lines). */
function jsonPart(stdout: string): string {
  const trimmed = stdout.trim();
  if (/^[[{"n]/.test(trimmed)) return trimmed;
  const m = /^[[{"]/m.exec(trimmed);
  return m ? trimmed.slice(m.index) : trimmed;
}
