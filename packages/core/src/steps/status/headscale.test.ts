import { describe, expect, it } from 'vitest';
import type { ServerStatus } from '../nodes.js';
import { headscaleChecks } from './headscale.js';

const running: ServerStatus = {
  service: 'running',
  serverUrl: 'http://10.0.0.1:8080',
  healthy: true,
  configProblem: undefined,
  version: 'v0.26.1',
  nodes: [],
  online: 3,
  offline: 1,
  keys: [],
};

const DOWN = {
  section: 'headscale',
  name: 'service',
  level: 'fail',
  message: 'Headscale is not running',
  fix: 'mesh doctor --fix starts it (or sudo systemctl restart headscale; its log: journalctl -u headscale)',
};

describe('headscaleChecks', () => {
  it('a running, healthy Headscale: its version, URL and nodes', () => {
    expect(headscaleChecks(running)).toEqual([
      {
        section: 'headscale',
        name: 'service',
        level: 'ok',
        message: 'Headscale v0.26.1 is running at http://10.0.0.1:8080',
      },
      { section: 'headscale', name: 'nodes', level: 'info', message: 'Nodes: 3 online, 1 offline' },
    ]);
  });

  it('says no more than it knows when version and URL are unknown', () => {
    expect(
      headscaleChecks({ ...running, version: undefined, serverUrl: undefined })[0]?.message,
    ).toBe('Headscale is running at ?');
  });

  it('fails a stopped service', () => {
    expect(headscaleChecks({ ...running, service: 'stopped', healthy: false })).toEqual([DOWN]);
  });

  it('fails a service that runs and does not answer healthy (its config broken, say)', () => {
    expect(
      headscaleChecks({ ...running, healthy: false, configProblem: 'server_url: missing' }),
    ).toEqual([DOWN]);
  });
});
