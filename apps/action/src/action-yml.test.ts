import { readFileSync } from 'node:fs';
import { TAILSCALE_PACKAGES_URL, TAILSCALE_VERSION } from '@mesh/platform';
import { describe, expect, it } from 'vitest';
import { INPUT_NAMES } from './inputs.js';

const yml = readFileSync(new URL('../action.yml', import.meta.url), 'utf8');

/** Keys directly under a top-level section (two-space indent), without a YAML dependency. */
function keys(section: string): string[] {
  const body = yml.split(new RegExp(`^${section}:\\n`, 'm'))[1]?.split(/^\S/m)[0] ?? '';
  return [...body.matchAll(/^ {2}([a-z0-9-]+):/gm)].map((m) => m[1] ?? '');
}

describe('action.yml', () => {
  it('declares exactly the inputs the code reads, each described', () => {
    expect(keys('inputs').sort()).toEqual([...INPUT_NAMES].sort());
    expect(yml.match(/^ {4}description:/gm)?.length).toBe(
      INPUT_NAMES.length + keys('outputs').length,
    );
  });

  it('documents the Tailscale version and package source the code uses', () => {
    expect(yml).toContain(`the version Mesh is tested with (${TAILSCALE_VERSION})`);
    expect(yml).toMatch(
      new RegExp(
        `^ {2}tailscale-packages-url:\\n(?: {4}.*\\n)*? {4}default: ${TAILSCALE_PACKAGES_URL}$`,
        'm',
      ),
    );
  });

  it('declares the outputs main writes', () => {
    expect(keys('outputs')).toEqual([
      'ip',
      'ipv6',
      'hostname',
      'node-id',
      'device-id',
      'folder-path',
    ]);
  });

  it('runs the committed bundles on node24, with a post step that always runs', () => {
    expect(yml).toMatch(/^ {2}using: node24$/m);
    expect(yml).toMatch(/^ {2}main: dist\/main\.js$/m);
    expect(yml).toMatch(/^ {2}post: dist\/post\.js$/m);
    expect(yml).toMatch(/^ {2}post-if: always\(\)$/m);
  });
});
