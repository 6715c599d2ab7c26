import { describe, expect, it } from 'vitest';
import { configureSyncthingXml, newApiKey } from './syncthing-config.js';

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
    </options>
    <defaults>
        <device id="" compression="metadata"><address>dynamic</address></device>
    </defaults>
</configuration>
`;

describe('configureSyncthingXml', () => {
  it('sets GUI, key, one listen address and turns every outbound feature off', () => {
    const xml = configureSyncthingXml(GENERATED, {
      guiAddress: '127.0.0.1:8385',
      apiKey: 'k&y',
      listenAddress: 'tcp://0.0.0.0:22001',
      deviceName: 'wsl',
    });
    expect(xml).toContain('<address>127.0.0.1:8385</address>');
    expect(xml).toContain('<apikey>k&amp;y</apikey>');
    expect(xml.match(/<listenAddress>/g)).toHaveLength(1);
    expect(xml).toContain('<listenAddress>tcp://0.0.0.0:22001</listenAddress>');
    for (const off of [
      '<globalAnnounceEnabled>false',
      '<localAnnounceEnabled>false',
      '<relaysEnabled>false',
      '<natEnabled>false',
      '<startBrowser>false',
      '<urAccepted>-1',
      '<autoUpgradeIntervalH>0',
      '<crashReportingEnabled>false',
    ]) {
      expect(xml).toContain(off);
    }
    expect(xml).toContain('<device id="AAAA" name="wsl"');
    // The peer-default device's dynamic address is untouched.
    expect(xml).toContain('<device id="" compression="metadata"><address>dynamic</address>');
  });

  it('refuses a file without the expected sections', () => {
    expect(() =>
      configureSyncthingXml('<configuration/>', {
        guiAddress: 'a',
        apiKey: 'b',
        listenAddress: 'c',
      }),
    ).toThrow(/lacks/);
  });

  it('makes 32-character alphanumeric keys', () => {
    expect(newApiKey()).toMatch(/^[A-Za-z0-9]{32}$/);
  });
});
