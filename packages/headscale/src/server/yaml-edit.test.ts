import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { HeadscaleConfigError } from '../errors.js';
import { editYaml } from './yaml-edit.js';

const TEXT = `# A file a person wrote.
server_url: http://10.0.0.1:8080
log: {level: info,   format: text}   # odd spacing stays
derp:
    server:
        enabled: true   # the embedded relay
    urls:
        - https://controlplane.tailscale.com/derpmap/default  # public map
    paths: []

policy:
    mode: database
    path: ""
`;

describe('editYaml', () => {
  it('replaces values in place: comments and every other byte stay', () => {
    const out = editYaml(TEXT, [
      { path: ['policy', 'mode'], value: 'file' },
      { path: ['policy', 'path'], value: '/etc/headscale/policy.hujson' },
      { path: ['derp', 'server', 'enabled'], value: false },
    ]);
    expect(out).toBe(
      TEXT.replace('mode: database', 'mode: file')
        .replace('path: ""', 'path: /etc/headscale/policy.hujson')
        .replace('enabled: true   #', 'enabled: false   #'),
    );
  });

  it('turns a block list into [] and leaves the next key alone', () => {
    const out = editYaml(TEXT, [{ path: ['derp', 'urls'], value: [] }]);
    expect(out).toBe(
      TEXT.replace(
        '        - https://controlplane.tailscale.com/derpmap/default  # public map\n',
        '        []\n',
      ),
    );
    expect(parse(out).derp).toEqual({ server: { enabled: true }, urls: [], paths: [] });
  });

  it('adds a missing key first in its map, indented like its siblings', () => {
    const out = editYaml(TEXT, [{ path: ['derp', 'server', 'verify_clients'], value: true }]);
    expect(out).toBe(
      TEXT.replace('        enabled: true', '        verify_clients: true\n        enabled: true'),
    );
  });

  it('adds a missing top-level map at the end, a final line break first when there is none', () => {
    const edit = [{ path: ['taildrop', 'enabled'], value: false }] as const;
    expect(editYaml(TEXT, edit)).toBe(`${TEXT}taildrop:\n  enabled: false\n`);
    expect(editYaml(TEXT.trimEnd(), edit)).toBe(`${TEXT}taildrop:\n  enabled: false\n`);
  });

  it('quotes what YAML would read as another type', () => {
    const out = editYaml('unix_socket_permission: "0777"\n', [
      { path: ['unix_socket_permission'], value: '0770' },
    ]);
    expect(out).toBe('unix_socket_permission: "0770"\n');
  });

  it('changes nothing, not even a byte, when the values are there (twice = once)', () => {
    const edits = [
      { path: ['policy', 'mode'], value: 'file' },
      { path: ['taildrop', 'enabled'], value: false },
    ] as const;
    const once = editYaml(TEXT, edits);
    expect(editYaml(once, edits)).toBe(once);
    expect(editYaml(TEXT, [{ path: ['derp', 'paths'], value: [] }])).toBe(TEXT);
  });

  it('re-renders only what it cannot splice: a key inside a flow map', () => {
    const out = editYaml(TEXT, [{ path: ['log', 'level'], value: 'warn' }]);
    expect(parse(out).log).toEqual({ level: 'warn', format: 'text' });
    const added = editYaml(TEXT, [{ path: ['log', 'colour'], value: false }]);
    expect(parse(added).log).toEqual({ level: 'info', format: 'text', colour: false });
    expect(added).toContain('# A file a person wrote.');
  });

  it('refuses a file that is not YAML, and a key under a plain value', () => {
    expect(() => editYaml('a: [\n', [{ path: ['a'], value: 1 }], 'config.yaml')).toThrow(
      /config.yaml is not valid YAML/,
    );
    expect(() =>
      editYaml('logtail: true\n', [{ path: ['logtail', 'enabled'], value: false }]),
    ).toThrow(HeadscaleConfigError);
  });
});
