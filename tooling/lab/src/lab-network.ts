import { createRunner } from '@mesh/platform';
import { type HostPlan, type LabPlan, topologyCommands } from './address-plan.js';
import { LabError } from './errors.js';
import { sealRootNamespace } from './root-routes.js';

/**
 * Makes `plan`'s namespaces, bridge and links. The root namespace is sealed first, so a lab or
 * tailnet address used outside the lab fails at once instead of leaving the machine.
 */
export async function createNetwork(plan: LabPlan): Promise<void> {
  const ip = createRunner();
  await sealRootNamespace(ip);
  for (const args of topologyCommands(plan)) {
    const r = await ip.run('ip', args, { timeout: 10_000 });
    if (r.exitCode !== 0) {
      throw new LabError(`ip ${args.join(' ')} failed: ${r.stderr}`, {
        hint: 'the lab needs root (CAP_NET_ADMIN) and the veth and bridge kernel modules',
      });
    }
  }
}

/**
 * `ip` arguments that set `host`'s port on the bridge up or down: the host keeps its own end,
 * so its programs and addresses stay as a machine's do when its cable is pulled.
 */
export function bridgePortArgs(plan: LabPlan, host: HostPlan, up: boolean): string[] {
  return ['-n', plan.names.bridgeNs, 'link', 'set', host.bridgePort, up ? 'up' : 'down'];
}

export async function setBridgePort(plan: LabPlan, host: HostPlan, up: boolean): Promise<void> {
  const args = bridgePortArgs(plan, host, up);
  const r = await createRunner().run('ip', args, { timeout: 10_000 });
  if (r.exitCode !== 0) {
    throw new LabError(`ip ${args.join(' ')} failed: ${r.stderr.trim()}`, {
      hint: 'the lab needs root (CAP_NET_ADMIN)',
    });
  }
}
