import { describe, expect, it } from 'vitest';
import { applySyncthingXml } from './syncthing-xml.js';

const XML = `<configuration version="35">
    <device id="AAAA" name="kernel-host" compression="metadata"></device>
    <gui enabled="true" tls="false" debugging="false">
        <address>127.0.0.1:8384</address>
        <apikey>k</apikey>
    </gui>
    <options>
        <listenAddress>default</listenAddress>
        <globalAnnounceEnabled>true</globalAnnounceEnabled>
        <localAnnounceEnabled>true</localAnnounceEnabled>
        <relaysEnabled>true</relaysEnabled>
        <natEnabled>true</natEnabled>
        <urAccepted>0</urAccepted>
        <startBrowser>true</startBrowser>
        <autoUpgradeIntervalH>12</autoUpgradeIntervalH>
        <crashReportingEnabled>true</crashReportingEnabled>
    </options>
</configuration>`;

describe('applySyncthingXml', () => {
  const out = applySyncthingXml(XML, {
    guiAddress: '127.0.0.1:8385',
    listenAddress: 'tcp://0.0.0.0:22001',
    deviceName: 'wsl',
  });
  it('sets the role ports and turns every outbound feature off', () => {
    expect(out).toContain('<address>127.0.0.1:8385</address>');
    expect(out.match(/<listenAddress>/g)).toHaveLength(1);
    expect(out).toContain('<listenAddress>tcp://0.0.0.0:22001</listenAddress>');
    for (const tag of [
      'globalAnnounceEnabled',
      'localAnnounceEnabled',
      'relaysEnabled',
      'natEnabled',
      'startBrowser',
      'crashReportingEnabled',
    ]) {
      expect(out).toContain(`<${tag}>false</${tag}>`);
    }
    expect(out).toContain('<urAccepted>-1</urAccepted>');
    expect(out).toContain('<autoUpgradeIntervalH>0</autoUpgradeIntervalH>');
    expect(out).toContain('name="wsl"');
  });
  it('is idempotent', () => {
    expect(
      applySyncthingXml(out, {
        guiAddress: '127.0.0.1:8385',
        listenAddress: 'tcp://0.0.0.0:22001',
        deviceName: 'wsl',
      }),
    ).toBe(out);
  });
});
