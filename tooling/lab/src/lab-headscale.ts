import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type HeadscaleConfigOptions, writeHeadscaleConfig } from '@mesh/headscale';
import type { RunOptions, RunResult } from '@mesh/platform';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { HEADSCALE_PORT } from './address-plan.js';
import { LabError } from './errors.js';
import { socketDispatcher, socketGet } from './http.js';
import type { LabContext } from './lab-context.js';
import { type LabHost, writeShim } from './lab-host.js';
import type { LabProcess } from './process.js';
import { waitFor } from './wait.js';

export interface LabHeadscale {
  host: string;
  /** `http://10.99.0.1:8080`: what clients inside the lab use. */
  url: string;
  /** Unix socket forwarding headscale's HTTP port (REST API, /health). */
  apiSocket: string;
  /** undici dispatcher for {@link LabHeadscale.apiSocket}. */
  dispatcher: Dispatcher;
  configPath: string;
  stateDir: string;
  binary: string;
  process: LabProcess;
  /** Runs `headscale -c <config> ...args` on the server host. Non-zero exits are results. */
  cli(args: readonly string[], options?: RunOptions): Promise<RunResult>;
  createUser(name: string): Promise<{ id: number; name: string }>;
  /** Creates a pre-auth key and returns it. Keep it out of argv and logs. */
  createPreAuthKey(o: PreAuthKeyOptions): Promise<string>;
}

export interface PreAuthKeyOptions {
  user: number;
  reusable?: boolean;
  ephemeral?: boolean;
  /** e.g. `1h`. @default '1h' */
  expiration?: string;
}

const usersCreateSchema = z.object({ id: z.coerce.number(), name: z.string() });
const preAuthKeySchema = z.object({ key: z.string().min(1) });

/**
 * Where headscale lives on the server host and its config: everything on the host's bridge
 * address (clients dial it for DERP too), the only one the other hosts can reach.
 */
export function headscaleLayout(server: { root: string; ip: string }): {
  url: string;
  stateDir: string;
  configDir: string;
  configPath: string;
  config: HeadscaleConfigOptions;
} {
  const stateDir = join(server.root, 'var/lib/headscale');
  const configDir = join(server.root, 'etc/headscale');
  const url = `http://${server.ip}:${HEADSCALE_PORT}`;
  return {
    url,
    stateDir,
    configDir,
    configPath: join(server.root, 'etc/headscale/config.yaml'),
    config: {
      serverUrl: url,
      listenAddr: `${server.ip}:${HEADSCALE_PORT}`,
      stateDir,
      derpIpv4: server.ip,
    },
  };
}

/** Starts headscale on `server` and resolves once its /health answers through the forward. */
export async function launchHeadscale(server: LabHost, lab: LabContext): Promise<LabHeadscale> {
  const { url, stateDir, configDir, configPath, config } = headscaleLayout(server);
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  await writeHeadscaleConfig(configPath, config);
  const binary = lab.binary('headscale');
  const proc = server.spawn('headscale', binary, ['-c', configPath, 'serve']);
  const apiSocket = await server.forward(HEADSCALE_PORT, server.ip);
  await waitFor(
    'headscale /health',
    async () => {
      if (!proc.running) throw new LabError(`headscale exited; see ${proc.logPath}`);
      const r = await socketGet(apiSocket, '/health', { timeout: 2000 });
      return r.status === 200 ? true : undefined;
    },
    { ...lab.waitOptions(), timeout: 30_000 },
  );
  await writeShim(server, 'headscale', [binary, '-c', configPath]);
  const cli = (args: readonly string[], options?: RunOptions) =>
    server.runner.run(binary, ['-c', configPath, ...args], { timeout: 20_000, ...options });
  const json = async (args: readonly string[]) => {
    const r = await cli([...args, '-o', 'json']);
    if (r.exitCode !== 0) {
      // stderr never holds a key: keys only appear in successful stdout.
      throw new LabError(`headscale ${args.slice(0, 2).join(' ')} failed: ${r.stderr.trim()}`);
    }
    return JSON.parse(r.stdout) as unknown;
  };
  return {
    host: server.name,
    url,
    apiSocket,
    dispatcher: socketDispatcher(apiSocket),
    configPath,
    stateDir,
    binary,
    process: proc,
    cli,
    createUser: async (name) => parseUser(await json(['users', 'create', name])),
    createPreAuthKey: async (k) => parsePreAuthKey(await json(preAuthKeyArgs(k))),
  };
}

/** `headscale` arguments (before `-o json`) that create a pre-auth key. */
export function preAuthKeyArgs(k: PreAuthKeyOptions): string[] {
  const args = ['preauthkeys', 'create', '--user', String(k.user)];
  if (k.reusable) args.push('--reusable');
  if (k.ephemeral) args.push('--ephemeral');
  args.push('--expiration', k.expiration ?? '1h');
  return args;
}

/** The user `headscale users create -o json` printed. */
export function parseUser(json: unknown): { id: number; name: string } {
  return usersCreateSchema.parse(json);
}

/** The key `headscale preauthkeys create -o json` printed; the error never quotes the output. */
export function parsePreAuthKey(json: unknown): string {
  const parsed = preAuthKeySchema.safeParse(json);
  if (!parsed.success) throw new LabError('headscale printed no pre-auth key');
  return parsed.data.key;
}
