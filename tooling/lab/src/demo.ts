import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRunner, type RunResult } from '@mesh/platform';
import { z } from 'zod';
import { LabError } from './errors.js';
import { socketGet } from './http.js';
import type { HostState, LabState } from './state.js';

/** What a demo step gets: the running lab (from its state file) and ways to act on it. */
export interface DemoContext {
  state: LabState;
  host(name: string): HostState;
  /** Runs `argv` inside the host's namespace with its environment (shims on PATH). */
  exec(host: string, argv: readonly string[], options?: { timeout?: number }): Promise<RunResult>;
  print(line: string): void;
}

/** One step of the demo. Throwing fails the demo. Add new steps (mesh CLI commands) to {@link DEMO_STEPS}. */
export interface DemoStep {
  title: string;
  run(ctx: DemoContext): Promise<void>;
}

/** Runs `argv` in a host of a lab known only from its state file (another process made it). */
export function execInHost(
  host: HostState,
  argv: readonly string[],
  options: { timeout?: number } = {},
): Promise<RunResult> {
  const [file, ...args] = argv;
  if (!file) throw new LabError('nothing to run');
  return createRunner(['ip', 'netns', 'exec', host.ns]).run(file, args, {
    env: host.env,
    timeout: options.timeout ?? 30_000,
  });
}

function expectOk(r: RunResult, what: string): RunResult {
  if (r.exitCode !== 0) {
    throw new LabError(
      `${what} failed (exit ${r.exitCode}): ${r.stderr.trim() || r.stdout.trim()}`,
    );
  }
  return r;
}

/** The syncthing API key of a host, read from its config.xml (never stored in state.json). */
export async function syncthingApiKey(host: HostState): Promise<string | undefined> {
  if (!host.syncthingHome) return undefined;
  const xml = await readFile(join(host.syncthingHome, 'config.xml'), 'utf8').catch(() => '');
  return /<apikey>([^<]+)<\/apikey>/.exec(xml)?.[1];
}

export const DEMO_STEPS: DemoStep[] = [
  {
    title: 'tailscale status on every host',
    async run(ctx) {
      for (const h of ctx.state.hosts) {
        const r = expectOk(
          await ctx.exec(h.name, ['tailscale', 'status']),
          `tailscale status on ${h.name}`,
        );
        ctx.print(`--- ${h.name}\n${r.stdout}`);
      }
    },
  },
  {
    title: 'tailscale ping between two clients (direct path)',
    async run(ctx) {
      const clients = ctx.state.hosts.filter((h) => h.name !== ctx.state.headscale?.host);
      const [a, b] = clients.length >= 2 ? clients : ctx.state.hosts;
      if (!a || !b?.tailnetIp) throw new LabError('need two joined hosts to ping');
      const r = await ctx.exec(a.name, ['tailscale', 'ping', '-c', '20', b.tailnetIp], {
        timeout: 60_000,
      });
      ctx.print(r.stdout);
      expectOk(r, `tailscale ping ${a.name} -> ${b.name}`);
    },
  },
  {
    title: 'syncthing sync port of every host reachable over the tailnet',
    async run(ctx) {
      for (const from of ctx.state.hosts) {
        for (const to of ctx.state.hosts) {
          if (from === to || !to.tailnetIp) continue;
          const target = `${to.tailnetIp}:${to.syncPort}`;
          const r = await ctx.exec(
            from.name,
            ['bash', '-c', `exec 3<>/dev/tcp/${to.tailnetIp}/${to.syncPort}`],
            { timeout: 10_000 },
          );
          expectOk(r, `TCP ${from.name} -> ${to.name} ${target}`);
          ctx.print(`${from.name} -> ${to.name} (${target}): connected`);
        }
      }
    },
  },
  {
    title: 'syncthing REST answers on every host',
    async run(ctx) {
      for (const h of ctx.state.hosts) {
        const key = await syncthingApiKey(h);
        if (!h.guiSocket || !key) throw new LabError(`syncthing is not running on ${h.name}`);
        const r = await socketGet(h.guiSocket, '/rest/system/status', {
          headers: { 'X-API-Key': key },
        });
        if (r.status !== 200) throw new LabError(`syncthing on ${h.name} answered ${r.status}`);
        const { myID } = z.looseObject({ myID: z.string() }).parse(JSON.parse(r.body));
        ctx.print(`${h.name}: syncthing device ${myID}`);
      }
    },
  },
];

/** Runs the steps in order, printing each one's time; throws on the first failure. */
export async function runDemo(
  state: LabState,
  steps: readonly DemoStep[] = DEMO_STEPS,
  print: (line: string) => void = (l) => console.log(l),
): Promise<void> {
  const ctx: DemoContext = {
    state,
    host(name) {
      const h = state.hosts.find((x) => x.name === name);
      if (!h) throw new LabError(`no lab host "${name}"`);
      return h;
    },
    exec: (host, argv, options) => execInHost(ctx.host(host), argv, options),
    print,
  };
  for (const step of steps) {
    print(`\n== ${step.title}`);
    const t0 = performance.now();
    await step.run(ctx);
    print(`== ok (${Math.round(performance.now() - t0)} ms)`);
  }
}
