import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Runner } from '@mesh/platform';
import { createRunner } from '@mesh/platform';
import type { HostPlan } from './address-plan.js';
import { labHostEnv, MESH_CLI, onPath } from './host-env.js';
import type { LabContext } from './lab-context.js';
import { type LabHost, labHost, writeShim } from './lab-host.js';

/** What a bare host's root holds in place of the machine's own directories. */
const BARE_HOST_DIRS = ['etc', 'var/lib', 'home', 'run', 'logs', 'bin'];

/**
 * A bare host: a network namespace with a temp root standing in for its machine (`MESH_ROOT`),
 * an environment that points every program there, and shims for `lab exec`.
 */
export async function makeBareHost(plan: HostPlan, lab: LabContext): Promise<LabHost> {
  const root = join(lab.root, 'hosts', plan.name);
  for (const d of BARE_HOST_DIRS) await mkdir(join(root, d), { recursive: true, mode: 0o700 });
  const env = labHostEnv({
    name: plan.name,
    root,
    labId: lab.id,
    binaries: {
      headscale: onPath(lab.binary('headscale')),
      tailscale: onPath(lab.binary('tailscale')),
      tailscaled: onPath(lab.binary('tailscaled')),
      syncthing: onPath(lab.binary('syncthing')),
    },
  });
  const inner = createRunner(['ip', 'netns', 'exec', plan.ns]);
  const runner: Runner = {
    prefix: inner.prefix,
    run: (file, args, options = {}) =>
      inner.run(file, args, { ...options, env: { ...env, ...options.env } }),
  };
  const host = labHost(
    plan,
    { root, logs: join(root, 'logs'), sockets: join(root, 'run'), env, runner },
    lab,
  );
  for (const [name, argv] of bareHostShims(root, env, lab.options.meshCli ?? MESH_CLI)) {
    await writeShim(host, name, argv);
  }
  return host;
}

/**
 * Shims so `lab exec HOST -- mesh|tailscale|headscale ...` reach this host's programs where
 * `mesh` puts them; the lab's own daemons rewrite the tailscale shim to their socket.
 */
export function bareHostShims(
  root: string,
  env: Readonly<Record<string, string>>,
  meshCli: string,
): [name: string, argv: string[]][] {
  return [
    ['mesh', [process.execPath, meshCli]],
    [
      'tailscale',
      [
        env['MESH_TAILSCALE_BIN'] ?? 'tailscale',
        `--socket=${join(root, 'var/run/tailscale/tailscaled.sock')}`,
      ],
    ],
    [
      'headscale',
      [env['MESH_HEADSCALE_BIN'] ?? 'headscale', '-c', join(root, 'etc/headscale/config.yaml')],
    ],
  ];
}
