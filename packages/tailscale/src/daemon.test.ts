import { describe, expect, it } from 'vitest';
import { tailscaledLaunch } from './daemon.js';

describe('tailscaledLaunch', () => {
  it('sets every no-phone-home knob with per-instance paths', () => {
    const l = tailscaledLaunch({ stateDir: '/run/mesh/n1', binary: '/bin/tailscaled' });
    expect(l.file).toBe('/bin/tailscaled');
    expect(l.args).toEqual([
      '--statedir=/run/mesh/n1',
      '--socket=/run/mesh/n1/tailscaled.sock',
      '--tun=tailscale0',
      '--port=41641',
      '--no-logs-no-support',
    ]);
    expect(l.env).toEqual({
      TS_NO_LOGS_NO_SUPPORT: 'true',
      TS_LOGS_DIR: '/run/mesh/n1/logs',
      TS_PANIC_IF_HIT_MAIN_CONTROL: '1',
      TS_DISABLE_PORTMAPPER: '1',
    });
    expect(l.dirs).toEqual(['/run/mesh/n1', '/run/mesh/n1/logs']);
  });

  it('does not pass --syspolicy-file, which v1.98.10 does not know', () => {
    const l = tailscaledLaunch({ stateDir: '/s' });
    expect(l.args.some((a) => a.startsWith('--syspolicy-file'))).toBe(false);
  });

  it('honours socket, tun, port, verbose, derpOverHttp and extra env', () => {
    const l = tailscaledLaunch({
      stateDir: '/s',
      socketPath: '/x/ts.sock',
      tun: 'userspace-networking',
      port: 0,
      verbose: 2,
      derpOverHttp: true,
      env: { TS_LOGS_DIR: '/elsewhere', FOO: 'bar' },
    });
    expect(l.args).toContain('--socket=/x/ts.sock');
    expect(l.args).toContain('--tun=userspace-networking');
    expect(l.args).toContain('--port=0');
    expect(l.args).toContain('--verbose=2');
    expect(l.env['TS_DEBUG_USE_DERP_HTTP']).toBe('1');
    expect(l.env['FOO']).toBe('bar');
    expect(l.dirs).toEqual(['/s', '/elsewhere']);
  });

  it('resolves the binary from MESH_TAILSCALED_BIN when no option is given', () => {
    const before = process.env['MESH_TAILSCALED_BIN'];
    process.env['MESH_TAILSCALED_BIN'] = '/opt/ts/tailscaled';
    try {
      expect(tailscaledLaunch({ stateDir: '/s' }).file).toBe('/opt/ts/tailscaled');
    } finally {
      if (before === undefined) delete process.env['MESH_TAILSCALED_BIN'];
      else process.env['MESH_TAILSCALED_BIN'] = before;
    }
  });

  it('rejects a relative stateDir and a bad port', () => {
    expect(() => tailscaledLaunch({ stateDir: 'rel' })).toThrow(/absolute/);
    expect(() => tailscaledLaunch({ stateDir: '/s', port: 70_000 })).toThrow(/port/);
  });
});
