import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Runner } from '@mesh/platform';
import { shellQuote } from '@mesh/platform';
import type { HostPlan } from './address-plan.js';
import { forwardArgs } from './forward.js';
import type { LabContext } from './lab-context.js';
import type { SystemdMachine } from './machine.js';
import { type LabProcess, spawnInNamespace } from './process.js';
import { waitFor } from './wait.js';

/** One host: a network namespace with its own state root. */
export interface LabHost {
  name: string;
  ns: string;
  /** Address on the lab bridge (10.99.0.x). */
  ip: string;
  /**
   * Bare hosts: the temp directory standing in for this machine's /etc, /var/lib, $HOME
   * (`etc/`, `var/lib/`, `home/`, `run/`, `logs/`). Systemd hosts: the machine's `/`.
   */
  root: string;
  /** Where the lab's own logs of this host go (and a machine's boot log, `boot.log`). */
  logs: string;
  /** The booted machine (systemd hosts only). */
  machine?: SystemdMachine;
  /**
   * Environment every program on this host gets: HOME and XDG dirs, PATH (shims `mesh`,
   * `tailscale`, `headscale` first, then the binaries), and what `mesh` needs to treat the host
   * as its own machine: MESH_ROOT, MESH_HOSTNAME, the role lists, MESH_ROLE, MESH_*_BIN.
   */
  env: Record<string, string>;
  /** Runs one-shot programs inside the namespace with {@link LabHost.env}. */
  runner: Runner;
  /** Starts and supervises a long-lived program inside the namespace; logs to `logs/<name>.log`. */
  spawn(
    name: string,
    file: string,
    args: readonly string[],
    options?: { env?: Record<string, string>; cwd?: string },
  ): LabProcess;
  /**
   * Makes TCP `addr:port` inside the namespace reachable from the root namespace as a unix
   * socket (use it with `new Agent({ connect: { socketPath } })`). Resolves with the path.
   */
  forward(port: number, addr?: string): Promise<string>;
}

/** What differs between a bare host and a systemd one. */
export interface HostParts {
  root: string;
  logs: string;
  /** Where forward sockets go: reachable from the root namespace, private to root. */
  sockets: string;
  env: Record<string, string>;
  runner: Runner;
}

/** The parts of a host both kinds share: the namespace, its address, spawn and forward. */
export function labHost(plan: HostPlan, o: HostParts, lab: LabContext): LabHost {
  const { root, env } = o;
  const host: LabHost = {
    name: plan.name,
    ns: plan.ns,
    ip: plan.ip,
    root,
    logs: o.logs,
    env,
    runner: o.runner,
    spawn: (name, file, args, options = {}) => {
      const proc = spawnInNamespace({
        ns: plan.ns,
        host: plan.name,
        name,
        file,
        args,
        env: { ...env, ...options.env },
        logPath: join(o.logs, `${name}.log`),
        ...(options.cwd ? { cwd: options.cwd } : {}),
        onUnexpectedExit: (p, exit) => lab.onUnexpectedExit(p, exit),
      });
      lab.processes.push(proc);
      return proc;
    },
    forward: (port, addr = '127.0.0.1') => {
      const key = `${plan.name}/${addr}:${port}`;
      let pending = lab.forwards.get(key);
      if (!pending) {
        const socketPath = forwardSocketPath(o.sockets, port, addr);
        host.spawn(`forward-${port}`, lab.binary('socat'), forwardArgs(socketPath, port, addr));
        pending = waitFor(
          `forward socket ${socketPath}`,
          () => access(socketPath).then(() => socketPath),
          { ...lab.waitOptions(), timeout: 5000 },
        );
        lab.forwards.set(key, pending);
      }
      return pending;
    },
  };
  return host;
}

/** The socket forwarding `addr:port`, named so socat's address syntax never sees `:` in it. */
export function forwardSocketPath(dir: string, port: number, addr: string): string {
  return join(dir, `fwd-${addr.replace(/[^0-9a-zA-Z.]/g, '_')}-${port}.sock`);
}

/**
 * `<root>/bin/<name>`: runs `argv` plus the caller's arguments, so `tailscale status` inside
 * `lab exec` talks to this host's daemon. Later flags win, so an explicit `--socket` still works.
 */
export async function writeShim(
  host: LabHost,
  name: string,
  argv: readonly string[],
): Promise<void> {
  await writeFile(join(host.root, 'bin', name), shimScript(argv), { mode: 0o700 });
}

/** The text of a shim running `argv` and then whatever the shim itself was given. */
export function shimScript(argv: readonly string[]): string {
  return `#!/bin/sh\nexec ${argv.map(shellQuote).join(' ')} "$@"\n`;
}
