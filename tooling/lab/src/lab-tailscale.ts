import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunOptions, RunResult } from '@mesh/platform';
import { tailscaledLaunch } from '@mesh/tailscale';
import { LabError } from './errors.js';
import { tailscaleUpArgs } from './join-args.js';
import type { LabContext } from './lab-context.js';
import type { LabHeadscale } from './lab-headscale.js';
import { type LabHost, writeShim } from './lab-host.js';
import type { LabProcess } from './process.js';
import { waitFor } from './wait.js';

export interface LabTailscaled {
  socketPath: string;
  stateDir: string;
  binary: string;
  process: LabProcess;
  /** The node's 100.64.x.y address once joined. */
  tailnetIp: string | undefined;
  /** Runs `tailscale --socket=<socket> ...args` on the host. */
  cli(args: readonly string[], options?: RunOptions): Promise<RunResult>;
}

/**
 * Starts tailscaled on `host` (TUN mode inside its namespace) and resolves once its socket
 * answers. From then on the host's `tailscale` shim and `mesh` talk to it.
 */
export async function launchTailscaled(host: LabHost, lab: LabContext): Promise<LabTailscaled> {
  const stateDir = join(host.root, 'var/lib/tailscale');
  const socketPath = join(host.root, 'run/tailscaled.sock');
  const launch = tailscaledLaunch({
    stateDir,
    socketPath,
    derpOverHttp: true,
    ...(lab.options.tailscaledBinary ? { binary: lab.options.tailscaledBinary } : {}),
  });
  for (const d of launch.dirs) await mkdir(d, { recursive: true, mode: 0o700 });
  const proc = host.spawn('tailscaled', launch.file, launch.args, { env: launch.env });
  const binary = lab.binary('tailscale');
  const t: LabTailscaled = {
    socketPath,
    stateDir,
    binary,
    process: proc,
    tailnetIp: undefined,
    cli: (args, options) =>
      host.runner.run(binary, [`--socket=${socketPath}`, ...args], {
        timeout: 20_000,
        ...options,
        env: { TS_LOGS_DIR: join(stateDir, 'logs'), ...options?.env },
      }),
  };
  await writeShim(host, 'tailscale', [binary, `--socket=${socketPath}`]);
  // `mesh` on this host then talks to the lab's daemon instead of its default socket.
  host.env['MESH_TAILSCALE_SOCKET'] = socketPath;
  await waitFor(
    `tailscaled socket on ${host.name}`,
    async () => {
      if (!proc.running) throw new LabError(`tailscaled exited; see ${proc.logPath}`);
      const r = await t.cli(['status', '--json'], { timeout: 5000 });
      return r.exitCode === 0 ? true : undefined;
    },
    { ...lab.waitOptions(), timeout: 20_000 },
  );
  return t;
}

/**
 * `tailscale up` with the key in a 0600 file (`--auth-key=file:`), never in argv; the file is
 * deleted right after. Sets `t.tailnetIp` once the node has its address. `headscale()` throws
 * when the lab runs none.
 */
export async function tailscaleUp(
  host: LabHost,
  t: LabTailscaled,
  authKey: string,
  lab: LabContext,
  headscale: () => LabHeadscale,
): Promise<void> {
  const keyFile = join(host.root, 'etc', `authkey-${process.pid}`);
  await writeFile(keyFile, authKey, { mode: 0o600 });
  await chmod(keyFile, 0o600);
  const timeout = lab.options.joinTimeout ?? 60_000;
  try {
    const r = await t.cli(
      tailscaleUpArgs({
        loginServer: headscale().url,
        keyFile,
        hostname: host.name,
        timeoutMs: timeout,
      }),
      { timeout: timeout + 10_000, ...lab.waitOptions() },
    );
    if (r.exitCode !== 0) {
      throw new LabError(`tailscale up on ${host.name} failed: ${redactKey(r.stderr, authKey)}`, {
        hint: `see ${t.process.logPath} and ${headscale().process.logPath}`,
      });
    }
  } finally {
    await rm(keyFile, { force: true });
  }
  t.tailnetIp = await waitFor(
    `tailnet IPv4 of ${host.name}`,
    async () => tailnetIpv4(await t.cli(['ip', '-4'], { timeout: 5000 })),
    lab.waitOptions(),
  );
}

/** The node's IPv4 from `tailscale ip -4`, or undefined while it has none. */
export function tailnetIpv4(r: Pick<RunResult, 'exitCode' | 'stdout'>): string | undefined {
  const ip = r.stdout.trim().split('\n')[0];
  return r.exitCode === 0 && ip ? ip : undefined;
}

/** `text` with every occurrence of `key` replaced, for errors that quote a program's output. */
export function redactKey(text: string, key: string): string {
  return key ? text.split(key).join('[REDACTED]') : text;
}
