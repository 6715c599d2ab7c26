/**
 * Mesh's edits of a Syncthing `config.xml` before its first start: `@mesh/syncthing-client`'s
 * `privateSyncthingConfig` with this role's ports and the machine's name.
 */
import { PRIVATE_SYNCTHING_OPTIONS, privateSyncthingConfig } from '@mesh/syncthing-client';

/** @deprecated use `PRIVATE_SYNCTHING_OPTIONS` from `@mesh/syncthing-client` */
export const OFFLINE_OPTIONS = PRIVATE_SYNCTHING_OPTIONS;

export interface SyncthingXmlSettings {
  guiAddress: string;
  listenAddress: string;
  deviceName: string;
}

/** Applies Mesh's settings to a config.xml; returns the new text (equal when nothing changed). */
export function applySyncthingXml(xml: string, s: SyncthingXmlSettings): string {
  return privateSyncthingConfig(xml, {
    guiAddress: s.guiAddress,
    listenAddresses: [s.listenAddress],
    deviceName: s.deviceName,
  });
}

/** The GUI/REST API key stored in config.xml. */
export function apiKeyFromXml(xml: string): string | undefined {
  const gui = xml.slice(Math.max(0, xml.search(/<gui[\s>]/)), xml.indexOf('</gui>'));
  return /<apikey>([^<]+)<\/apikey>/.exec(gui)?.[1];
}

/** The GUI listen address in config.xml. */
export function guiAddressFromXml(xml: string): string | undefined {
  const gui = xml.slice(Math.max(0, xml.search(/<gui[\s>]/)), xml.indexOf('</gui>'));
  return /<address>([^<]+)<\/address>/.exec(gui)?.[1];
}
