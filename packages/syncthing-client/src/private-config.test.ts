import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { syncthingAvailable } from '../test/syncthing-instance.js';
import { SyncthingError } from './errors.js';
import { parseSyncthingConfigXml } from './home.js';
import { newSyncthingApiKey, privateSyncthingConfig } from './private-config.js';

// Trimmed from a config.xml written by `syncthing generate` 1.19.2.
const GENERATED = `<configuration version="36">
    <device id="AAAA" name="vm" compression="metadata">
        <address>dynamic</address>
    </device>
    <gui enabled="true" tls="false" debugging="false">
        <address>127.0.0.1:8384</address>
        <apikey>generatedkey</apikey>
        <theme>default</theme>
    </gui>
    <options>
        <listenAddress>default</listenAddress>
        <globalAnnounceServer>default</globalAnnounceServer>
        <globalAnnounceEnabled>true</globalAnnounceEnabled>
        <localAnnounceEnabled>true</localAnnounceEnabled>
        <relaysEnabled>true</relaysEnabled>
        <startBrowser>true</startBrowser>
        <natEnabled>true</natEnabled>
        <urAccepted>0</urAccepted>
        <autoUpgradeIntervalH>12</autoUpgradeIntervalH>
        <crashReportingEnabled>true</crashReportingEnabled>
        <stunServer>default</stunServer>
    </options>
    <defaults>
        <device id="" compression="metadata"><address>dynamic</address></device>
    </defaults>
</configuration>
`;

const OFF = [
  '<globalAnnounceEnabled>false',
  '<localAnnounceEnabled>false',
  '<relaysEnabled>false',
  '<natEnabled>false',
  '<startBrowser>false',
  '<urAccepted>-1',
  '<autoUpgradeIntervalH>0',
  '<crashReportingEnabled>false',
];

describe('privateSyncthingConfig', () => {
  const settings = {
    guiAddress: '127.0.0.1:8385',
    apiKey: 'k&y',
    listenAddresses: ['tcp://0.0.0.0:22001'],
    deviceName: 'wsl',
  };
  const xml = privateSyncthingConfig(GENERATED, settings);

  it('sets GUI, key, one listen address and turns every outbound feature off', () => {
    expect(xml).toContain('<address>127.0.0.1:8385</address>');
    expect(xml).toContain('<apikey>k&amp;y</apikey>');
    expect(xml.match(/<listenAddress>/g)).toHaveLength(1);
    expect(xml).toContain('<listenAddress>tcp://0.0.0.0:22001</listenAddress>');
    for (const off of OFF) expect(xml).toContain(off);
    expect(xml).not.toMatch(/globalAnnounceServer|stunServer/);
    expect(xml).toContain('<device id="AAAA" name="wsl"');
    // The peer-default device's dynamic address is untouched.
    expect(xml).toContain('<device id="" compression="metadata"><address>dynamic</address>');
  });

  it('is idempotent', () => {
    expect(privateSyncthingConfig(xml, settings)).toBe(xml);
  });

  it('adds what is missing, keeps what is not asked for, and takes extra options', () => {
    const bare = GENERATED.replace(/\s*<natEnabled>true<\/natEnabled>/, '');
    const out = privateSyncthingConfig(bare, {
      localAnnounce: true,
      listenAddresses: ['tcp://127.0.0.1:1', 'quic://127.0.0.1:1'],
      options: { reconnectionIntervalS: 1 },
    });
    expect(out).toContain('<natEnabled>false</natEnabled>');
    expect(out).toContain('<localAnnounceEnabled>true</localAnnounceEnabled>');
    expect(out).toContain('<reconnectionIntervalS>1</reconnectionIntervalS>');
    expect(out.match(/<listenAddress>[^<]*/g)).toEqual([
      '<listenAddress>tcp://127.0.0.1:1',
      '<listenAddress>quic://127.0.0.1:1',
    ]);
    expect(out).toContain('<apikey>generatedkey</apikey>');
    expect(out).toContain('name="vm"');
  });

  it('refuses a file without the expected sections', () => {
    expect(() => privateSyncthingConfig('<configuration/>', settings)).toThrow(/lacks/);
    expect(() => privateSyncthingConfig('<configuration/>')).toThrow(SyncthingError);
  });

  it('makes 32-character alphanumeric keys', () => {
    expect(newSyncthingApiKey()).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  const available = syncthingAvailable();
  if (!available.ok)
    console.warn(`[syncthing-client] SKIPPING real-config test: ${available.reason}`);
  it.skipIf(!available.ok)('edits what the real `syncthing generate` writes', async () => {
    if (!available.ok) return;
    const home = await mkdtemp(join(tmpdir(), 'mesh-st-private-'));
    try {
      await execa(
        available.binary,
        ['generate', `--home=${home}`, '--no-default-folder', '--skip-port-probing'],
        { timeout: 30_000, env: { STNOUPGRADE: '1' } },
      );
      const generated = await readFile(join(home, 'config.xml'), 'utf8');
      const out = privateSyncthingConfig(generated, settings);
      for (const off of OFF) expect(out).toContain(off);
      expect(out.match(/<listenAddress>/g)).toHaveLength(1);
      expect(parseSyncthingConfigXml(out)).toMatchObject({
        apiKey: 'k&y',
        guiAddress: '127.0.0.1:8385',
      });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
