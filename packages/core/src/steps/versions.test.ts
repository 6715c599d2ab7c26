import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkTailscaleVersion } from './versions.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Fake tailscale/tailscaled: scripts that print a version the way the real ones do. */
function fakeBinaries(versions: { tailscale: string; tailscaled: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-action-fakets-'));
  dirs.push(dir);
  const make = (name: string, flag: string, version: string) => {
    const file = join(dir, name);
    writeFileSync(
      file,
      `#!/bin/sh\n[ "$1" = "${flag}" ] || exit 2\nprintf '%s\\n  long version: %s-x\\n' '${version}' '${version}'\n`,
    );
    chmodSync(file, 0o755);
    return file;
  };
  return {
    dir,
    tailscale: make('tailscale', 'version', versions.tailscale),
    tailscaled: make('tailscaled', '--version', versions.tailscaled),
  };
}

describe('checkTailscaleVersion', () => {
  it('passes when both binaries are the wanted version', async () => {
    const b = fakeBinaries({ tailscale: '1.98.10', tailscaled: '1.98.10' });
    expect(await checkTailscaleVersion('1.98.10', b, {})).toBeUndefined();
  });

  it('names wanted, found and what to do when one differs', async () => {
    const b = fakeBinaries({ tailscale: '1.98.10', tailscaled: '1.96.4' });
    expect(await checkTailscaleVersion('1.98.10', b, {})).toBe(
      `input "tailscale-version" wants 1.98.10, but tailscaled is 1.96.4 (${b.tailscaled}): install Tailscale 1.98.10 on the runner, or point tailscale-bin and tailscaled-bin at binaries of that version`,
    );
  });

  it('lists both when both differ, finding them through MESH_*_BIN like core', async () => {
    const b = fakeBinaries({ tailscale: '1.90.1', tailscaled: '1.90.2' });
    const env = { MESH_TAILSCALE_BIN: b.tailscale, MESH_TAILSCALED_BIN: b.tailscaled };
    expect(await checkTailscaleVersion('1.98.10', {}, env)).toBe(
      `input "tailscale-version" wants 1.98.10, but tailscale is 1.90.1 (${b.tailscale}) and tailscaled is 1.90.2 (${b.tailscaled}): install Tailscale 1.98.10 on the runner, or point tailscale-bin and tailscaled-bin at binaries of that version`,
    );
  });

  it('says when a binary cannot be run', async () => {
    const b = fakeBinaries({ tailscale: '1.98.10', tailscaled: '1.98.10' });
    const missing = join(b.dir, 'nope');
    expect(await checkTailscaleVersion('1.98.10', { ...b, tailscaled: missing }, {})).toBe(
      `input "tailscale-version" wants 1.98.10, but tailscaled is not installed (${missing}): install Tailscale 1.98.10 on the runner, or point tailscale-bin and tailscaled-bin at binaries of that version`,
    );
  });
});
