import type { ClientSetupResult, MeshContext } from '@mesh/core';
import { describe, expect, it, vi } from 'vitest';
import { capturedOutput } from '../output/capture.js';
import type { Output } from '../output/output.js';
import { clientSetup, stepTimes } from './client.js';

// Core's setup, as far as the CLI sees it: it reports each change as it makes it.
const setup = vi.hoisted(() => ({ result: undefined as unknown, live: [] as string[] }));
vi.mock('@mesh/core', async (original) => ({
  ...(await original<typeof import('@mesh/core')>()),
  clientSetup: async (ctx: MeshContext) => {
    for (const line of setup.live) ctx.reporter.ok(line);
    return setup.result;
  },
}));
vi.mock('../context.js', () => ({ context: async (reporter: Output) => ({ reporter }) }));

const SERVER = 'http://10.0.0.1:8080';

function result(changes: string[]): ClientSetupResult {
  return {
    changed: changes.length > 0,
    changes,
    serverUrl: SERVER,
    tailnetIp: '100.64.0.2',
    deviceId: 'ABCDEFG-ABCDEFG-ABCDEFG-ABCDEFG-ABCDEFG-ABCDEFG-ABCDEFG-ABCDEFG',
    folderPath: '/opt/shared',
    steps: [
      { id: 'health-check', title: 'Check the server /health', mode: 'auto', ms: 12 },
      { id: 'join', title: 'Join the tailnet', mode: 'auto', ms: 2140 },
      { id: 'syncthing', title: 'Configure Syncthing', mode: 'auto', ms: 1010 },
    ],
    machine: [],
    manual: [],
  };
}

async function run(json: boolean, live: string[], changes: string[]) {
  setup.live = live;
  setup.result = result(changes);
  const { out, text, errText } = capturedOutput({ json });
  const code = await clientSetup({ json, server: SERVER, key: 'k', peer: false }, out);
  return { code, stdout: text(), stderr: errText() };
}

describe('mesh client setup prints each change once', () => {
  it('as core reports it, then only how many there were', async () => {
    const r = await run(
      false,
      ['Created /opt/shared/.stignore', `Server URL saved: /home/me/.config/mesh/headscale-server`],
      [
        'created /opt/shared/.stignore',
        'saved the server URL in /home/me/.config/mesh/headscale-server',
      ],
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        '',
        '=== Client Setup ===',
        'OK: Created /opt/shared/.stignore',
        'OK: Server URL saved: /home/me/.config/mesh/headscale-server',
        '',
        '=== Setup Complete ===',
        `  Server:        ${SERVER}`,
        '  Tailscale IP:  100.64.0.2',
        '  Device ID:     ABCDEFG-ABCDEFG-ABCDEFG-ABCDEFG-ABCDEFG-ABCDEFG-ABCDEFG-ABCDEFG',
        '  Shared folder: /opt/shared',
        '  Took:          3.2 s (join 2.1 s, syncthing 1.0 s)',
        'OK: 2 changes',
        "INFO: Run 'mesh status' to check connectivity",
        '',
      ].join('\n'),
    );
    expect(r.stdout).not.toContain('changed:');
  });

  it('a re-run: nothing to change', async () => {
    const r = await run(false, [], []);
    expect(r.stdout).toContain('\n=== Already set up ===\n');
    expect(r.stdout).toContain('\nOK: nothing to change\n');
  });

  it('--json still lists the changes', async () => {
    const r = await run(true, ['Created /opt/shared/.stignore'], ['created /opt/shared/.stignore']);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      changed: true,
      changes: ['created /opt/shared/.stignore'],
    });
  });
});

describe('stepTimes', () => {
  it('names no step when none took 0.1 s', () => {
    expect(stepTimes([{ id: 'join', ms: 99 }])).toBe('0.1 s');
    expect(stepTimes([])).toBe('0.0 s');
  });
});
