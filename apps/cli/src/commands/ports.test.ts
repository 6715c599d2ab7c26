import { rolePorts } from '@mesh/platform';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { capturedOutput } from '../output/capture.js';
import { ports, portsReport } from './ports.js';

afterEach(() => vi.unstubAllEnvs());

describe('rolePorts', () => {
  it('lists STUN and WireGuard, and the Syncthing GUI URL', () => {
    const wsl2 = rolePorts('wsl2');
    expect(wsl2.syncthingGuiUrl).toBe('http://127.0.0.1:8385');
    expect(wsl2.ports.derpStun).toMatchObject({ port: 3478, protocol: 'udp', listens: false });
    expect(wsl2.ports.wireguard).toMatchObject({ port: 41641, protocol: 'udp', listens: true });
    expect(wsl2.ports.ssh.port).toBe(2222);
    expect(rolePorts('server').ports.derpStun.listens).toBe(true);
  });

  it("lists the agents' own ports: packages on the server, pairing on every member", () => {
    expect(rolePorts('server').ports.packages).toMatchObject({ port: 8091, listens: true });
    expect(rolePorts('wsl2').ports.packages).toMatchObject({ port: 8091, listens: false });
    expect(rolePorts('windows').ports.vouch).toMatchObject({ port: 874, listens: true });
  });

  it('uses camelCase keys only', () => {
    const keys = (value: unknown): string[] => {
      if (Array.isArray(value)) return value.flatMap(keys);
      if (value === null || typeof value !== 'object') return [];
      return Object.entries(value).flatMap(([k, v]) => [k, ...keys(v)]);
    };
    for (const key of keys(portsReport('unknown', true))) expect(key).toMatch(/^[a-z][a-zA-Z]*$/);
  });
});

describe('mesh ports', () => {
  it("defaults to this machine's role", async () => {
    vi.stubEnv('MESH_ROLE', 'wsl2');
    const { out, text } = capturedOutput({ json: true });
    expect(await ports({ json: true }, out)).toBe(0);
    const report = JSON.parse(text());
    expect(report).toMatchObject({ ok: true, role: 'wsl2', detected: true });
    expect(report.plans.map((p: { role: string }) => p.role)).toEqual(['wsl2']);
  });

  it('says when the role is unknown and shows every role', async () => {
    vi.stubEnv('MESH_ROLE', 'unknown');
    const { out, text } = capturedOutput();
    await ports({ json: false }, out);
    expect(text()).toMatch(/WARN: This machine's role is unknown/);
    for (const role of ['server', 'wsl2', 'windows'])
      expect(text()).toContain(`=== Ports: ${role} ===`);
  });

  it('shows the role named, with protocols and the GUI URL', async () => {
    const { out, text } = capturedOutput();
    await ports({ role: 'server', json: false }, out);
    expect(text()).toContain('=== Ports: server ===');
    expect(text()).toMatch(/3478\s+UDP\s+Headscale embedded DERP STUN\n/);
    expect(text()).toMatch(/41641\s+UDP\s+Tailscale WireGuard/);
    expect(text()).toContain('Syncthing GUI: http://127.0.0.1:8384');
  });
});
