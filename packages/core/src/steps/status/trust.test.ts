import { describe, expect, it } from 'vitest';
import type { AgentState } from '../agent-state.js';
import { agentChecks, devicesCheck, vouchPortCheck } from './trust.js';
import type { TrustReport } from './types.js';

const NOW = Date.parse('2026-11-29T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

const state = (o: Partial<AgentState> = {}): AgentState => ({
  version: 1,
  pid: 4242,
  startedAt: ago(3600),
  updatedAt: ago(5),
  rssMiB: 40,
  vouchingOn: '100.64.0.2:874',
  lastPairing: null,
  lastScan: null,
  forgotten: [],
  revived: [],
  tailnet: null,
  peersAnswer: null,
  controlServer: null,
  errors: [],
  ...o,
});

const lines = (agent: Parameters<typeof agentChecks>[0], role = 'client') =>
  agentChecks(agent, role, NOW).map((c) => `${c.level} ${c.name}: ${c.message}`);

describe('agentChecks', () => {
  it('a running agent that reports and vouches', () => {
    expect(agentChecks({ running: true, fresh: true, state: state() }, 'client', NOW)).toEqual([
      { section: 'trust', name: 'agent', level: 'ok', message: 'The mesh agent is running' },
    ]);
  });

  it('fails an agent that is not running, with the setup of the role', () => {
    const down = { running: false, fresh: false, state: undefined };
    expect(agentChecks(down, 'client', NOW)).toEqual([
      {
        section: 'trust',
        name: 'agent',
        level: 'fail',
        message: 'The mesh agent is not running: no other machine can pair with this one',
        fix: 'mesh client setup (it installs and starts the agent)',
      },
    ]);
    expect(agentChecks(down, 'server', NOW)[0]?.fix).toBe(
      'mesh server setup (it installs and starts the agent)',
    );
  });

  it('warns of an agent that runs and has not reported, or never did', () => {
    const warn =
      'warn agent-state: The mesh agent has not reported for over 30 s (see mesh agent status)';
    expect(lines({ running: true, fresh: false, state: state({ updatedAt: ago(60) }) })).toEqual([
      'ok agent: The mesh agent is running',
      warn,
    ]);
    expect(lines({ running: true, fresh: false, state: undefined })).toEqual([
      'ok agent: The mesh agent is running',
      warn,
    ]);
  });

  it('an agent that cannot vouch: a warning while it starts, a failure after', () => {
    const starting = state({ startedAt: ago(10), vouchingOn: null });
    expect(agentChecks({ running: true, fresh: true, state: starting }, 'client', NOW)[1]).toEqual({
      section: 'trust',
      name: 'vouching',
      level: 'warn',
      message: 'The mesh agent is starting: it does not vouch for this node yet',
    });
    const stuck = state({ startedAt: ago(120), vouchingOn: null });
    expect(agentChecks({ running: true, fresh: true, state: stuck }, 'client', NOW)[1]).toEqual({
      section: 'trust',
      name: 'vouching',
      level: 'fail',
      message: 'The mesh agent cannot vouch for this node: no other machine can pair with it',
      fix: 'mesh agent status shows why; is this node in the tailnet (mesh client join)?',
    });
  });

  it('warns of each peer the last pairing could not pair, with its reason', () => {
    const lastPairing = {
      at: ago(20),
      peers: 2,
      added: 0,
      refused: 0,
      unvouched: [{ hostname: 'laptop', reason: 'its agent does not answer on 100.64.0.3:874' }],
    };
    expect(lines({ running: true, fresh: true, state: state({ lastPairing }) })).toEqual([
      'ok agent: The mesh agent is running',
      'warn unpaired: laptop is not paired: its agent does not answer on 100.64.0.3:874 (run mesh status there)',
    ]);
  });
});

describe('vouchPortCheck', () => {
  it("fails when any user may bind the agent's port", () => {
    expect(vouchPortCheck(0)).toEqual({
      section: 'trust',
      name: 'port',
      level: 'fail',
      message:
        "Any user can bind port 874 here (net.ipv4.ip_unprivileged_port_start=0) and answer in the agent's place",
      fix: 'sysctl -w net.ipv4.ip_unprivileged_port_start=1024',
    });
    expect(vouchPortCheck(874)?.level).toBe('fail');
  });

  it('is silent when only root may, or when it is unknown (not Linux)', () => {
    expect(vouchPortCheck(1024)).toBeUndefined();
    expect(vouchPortCheck(875)).toBeUndefined();
    expect(vouchPortCheck(undefined)).toBeUndefined();
  });
});

describe('devicesCheck', () => {
  const report = (o: Partial<TrustReport> = {}): TrustReport => ({
    agent: true,
    vouched: [{ deviceId: 'LAPTOPB-X', name: 'laptop' }],
    manual: [],
    untrusted: [],
    ...o,
  });

  it('counts the vouched devices, and those added by hand', () => {
    expect(devicesCheck(report())).toEqual({
      section: 'trust',
      name: 'devices',
      level: 'ok',
      message: 'Devices: 1 vouched for by their node',
    });
    expect(devicesCheck(report({ manual: [{ deviceId: 'NASDDDD-X', name: 'nas' }] })).message).toBe(
      'Devices: 1 vouched for by their node, 1 added by hand',
    );
  });

  it('fails devices no node vouches for, by name or short ID', () => {
    const untrusted = [
      { deviceId: 'EVILEEE-EEEEEEE', name: 'stranger' },
      { deviceId: 'ANONFFF-FFFFFFF', name: '' },
    ];
    expect(devicesCheck(report({ untrusted }))).toEqual({
      section: 'trust',
      name: 'devices',
      level: 'fail',
      message: '2 Syncthing device(s) that no mesh node vouches for: stranger, ANONFFF',
      fix: 'mesh peer --prune (removes them from Syncthing; no file is touched)',
    });
  });
});
