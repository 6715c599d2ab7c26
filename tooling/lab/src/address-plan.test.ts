import { describe, expect, it } from 'vitest';
import { labNamespaces, planLab, topologyCommands } from './address-plan.js';
import { LabError } from './errors.js';

describe('planLab', () => {
  it('gives the default hosts .1-.3, role ports and names carrying the lab id', () => {
    const plan = planLab('a1b2c3');
    expect(plan.server.name).toBe('server');
    expect(plan.hosts.map((h) => [h.name, h.ip, h.ns, h.guiPort, h.syncPort])).toEqual([
      ['server', '10.99.0.1', 'mesh-a1b2c3-server', 8384, 22000],
      ['wsl', '10.99.0.2', 'mesh-a1b2c3-wsl', 8385, 22001],
      ['windows', '10.99.0.3', 'mesh-a1b2c3-windows', 8386, 22002],
    ]);
    for (const h of plan.hosts) {
      expect(h.link.length).toBeLessThanOrEqual(15);
      expect(h.bridgePort.length).toBeLessThanOrEqual(15);
    }
    expect(labNamespaces(plan)).toEqual([
      'mesh-a1b2c3-server',
      'mesh-a1b2c3-wsl',
      'mesh-a1b2c3-windows',
      'mesh-a1b2c3-sw',
    ]);
  });

  it('uses the first host as server when none is named server, and index ports for others', () => {
    const plan = planLab('000001', ['alpha', 'beta']);
    expect(plan.server.name).toBe('alpha');
    expect(plan.hosts[1]).toMatchObject({ ip: '10.99.0.2', guiPort: 8385, syncPort: 22001 });
  });

  it('rejects bad host lists', () => {
    expect(() => planLab('000001', [])).toThrow(LabError);
    expect(() => planLab('000001', ['a', 'a'])).toThrow(/duplicate/);
    expect(() => planLab('000001', ['Bad-Name'])).toThrow(/invalid lab host name/);
    expect(() => planLab('000001', ['sw'])).toThrow(/invalid lab host name/);
    expect(() => planLab('nothex', ['a'])).toThrow(/invalid lab id/);
    expect(() =>
      planLab(
        '000001',
        Array.from({ length: 51 }, (_, i) => `h${i}`),
      ),
    ).toThrow(/at most/);
  });
});

describe('topologyCommands', () => {
  it('builds everything inside lab namespaces: nothing in the root namespace, no default route', () => {
    const plan = planLab('a1b2c3', ['server', 'wsl']);
    const cmds = topologyCommands(plan);
    for (const argv of cmds) {
      // Either creates a lab namespace or runs inside one (`ip -n <lab ns>`).
      const ok =
        (argv[0] === 'netns' && argv[1] === 'add' && argv[2]?.startsWith('mesh-a1b2c3-')) ||
        (argv[0] === '-n' && argv[1]?.startsWith('mesh-a1b2c3-'));
      expect(ok, argv.join(' ')).toBe(true);
      expect(argv).not.toContain('default');
      expect(argv).not.toContain('route');
    }
    expect(cmds).toContainEqual([
      '-n',
      'mesh-a1b2c3-sw',
      'link',
      'add',
      'mesh-a1b2c3-p1',
      'type',
      'veth',
      'peer',
      'name',
      'mesh-a1b2c3-e1',
      'netns',
      'mesh-a1b2c3-wsl',
    ]);
    expect(cmds).toContainEqual(['-n', 'mesh-a1b2c3-wsl', 'link', 'set', 'lo', 'up']);
    expect(cmds).toContainEqual([
      '-n',
      'mesh-a1b2c3-wsl',
      'addr',
      'add',
      '10.99.0.2/24',
      'dev',
      'mesh-a1b2c3-e1',
    ]);
  });
});
