import { readFile } from 'node:fs/promises';
import type { MeshContext } from '../../context.js';
import { toMeshError } from '../../map-error.js';
import { VOUCH_PORT } from '../../trust/protocol.js';
import { type AgentStatus, agentStatus } from '../agent.js';
import { classifyDevices } from '../peer.js';
import { connectSyncthing, syncthingAnswers } from '../syncthing.js';
import type { StatusCheck, TrustReport } from './types.js';

/**
 * The agent as checks: it runs (else no other node can pair with this one), it reports, it
 * vouches (a short gap right after its start is expected), and the peers it could not pair.
 */
export function agentChecks(agent: AgentStatus, role: string, now = Date.now()): StatusCheck[] {
  const checks: StatusCheck[] = [
    agent.running
      ? { section: 'trust', name: 'agent', level: 'ok', message: 'The mesh agent is running' }
      : {
          section: 'trust',
          name: 'agent',
          level: 'fail',
          message: 'The mesh agent is not running: no other machine can pair with this one',
          fix:
            role === 'server'
              ? 'mesh server setup (it installs and starts the agent)'
              : 'mesh client setup (it installs and starts the agent)',
        },
  ];
  const st = agent.state;
  if (agent.running && (!st || !agent.fresh)) {
    checks.push({
      section: 'trust',
      name: 'agent-state',
      level: 'warn',
      message: 'The mesh agent has not reported for over 30 s (see mesh agent status)',
    });
  } else if (agent.running && st) {
    // Right after a start or a reboot the tailnet may not be up yet: the agent binds its
    // port within seconds of that, so only a lasting gap is a failure.
    const starting = now - Date.parse(st.startedAt) < 30_000;
    if (!st.vouchingOn) {
      checks.push(
        starting
          ? {
              section: 'trust',
              name: 'vouching',
              level: 'warn',
              message: 'The mesh agent is starting: it does not vouch for this node yet',
            }
          : {
              section: 'trust',
              name: 'vouching',
              level: 'fail',
              message:
                'The mesh agent cannot vouch for this node: no other machine can pair with it',
              fix: 'mesh agent status shows why; is this node in the tailnet (mesh client join)?',
            },
      );
    }
    for (const u of st.lastPairing?.unvouched ?? []) {
      checks.push({
        section: 'trust',
        name: 'unpaired',
        level: 'warn',
        message: `${u.hostname} is not paired: ${u.reason} (run mesh status there)`,
      });
    }
  }
  return checks;
}

/** Whether any user may bind the agent's port (`ip_unprivileged_port_start`, when known). */
export function vouchPortCheck(unprivilegedPortStart: number | undefined): StatusCheck | undefined {
  if (unprivilegedPortStart === undefined || unprivilegedPortStart > VOUCH_PORT) return undefined;
  return {
    section: 'trust',
    name: 'port',
    level: 'fail',
    message: `Any user can bind port ${VOUCH_PORT} here (net.ipv4.ip_unprivileged_port_start=${unprivilegedPortStart}) and answer in the agent's place`,
    fix: 'sysctl -w net.ipv4.ip_unprivileged_port_start=1024',
  };
}

/** Every Syncthing device is vouched for or added by hand; the others are named. */
export function devicesCheck(report: TrustReport): StatusCheck {
  if (report.untrusted.length > 0) {
    return {
      section: 'trust',
      name: 'devices',
      level: 'fail',
      message: `${report.untrusted.length} Syncthing device(s) that no mesh node vouches for: ${report.untrusted.map((d) => d.name || d.deviceId.slice(0, 7)).join(', ')}`,
      fix: 'mesh peer --prune (removes them from Syncthing; no file is touched)',
    };
  }
  return {
    section: 'trust',
    name: 'devices',
    level: 'ok',
    message: `Devices: ${report.vouched.length} vouched for by their node${report.manual.length > 0 ? `, ${report.manual.length} added by hand` : ''}`,
  };
}

/**
 * The trust rule, checked: the agent runs (else no other node can pair with this one), the
 * agent's port is still one only root can bind here, and every Syncthing device this machine
 * shares with was vouched for by a node's agent or added by a person.
 */
export async function trustChecks(
  ctx: MeshContext,
  add: (c: StatusCheck) => void,
): Promise<TrustReport> {
  const agent = await agentStatus(ctx);
  const report: TrustReport = {
    agent: agent.running,
    ...(agent.state ? { agentState: agent.state } : {}),
    vouched: [],
    manual: [],
    untrusted: [],
  };
  for (const c of agentChecks(agent, ctx.role)) add(c);
  const port = vouchPortCheck(await unprivilegedPortStart());
  if (port) add(port);
  try {
    const st = await connectSyncthing(ctx);
    if (!(await syncthingAnswers(st))) return report;
    const byTrust = await classifyDevices(ctx, st);
    for (const k of ['vouched', 'manual', 'untrusted'] as const) {
      report[k] = byTrust[k].map(({ deviceId, name }) => ({ deviceId, name }));
    }
  } catch (error) {
    const e = toMeshError(error);
    add({ section: 'trust', name: 'devices', level: 'fail', message: e.message, fix: e.hint });
    return report;
  }
  add(devicesCheck(report));
  return report;
}

/** `net.ipv4.ip_unprivileged_port_start` of this network namespace (Linux), if readable. */
async function unprivilegedPortStart(): Promise<number | undefined> {
  if (process.platform !== 'linux') return undefined;
  const text = await readFile('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').catch(
    () => undefined,
  );
  const n = text === undefined ? Number.NaN : Number.parseInt(text, 10);
  return Number.isFinite(n) ? n : undefined;
}
