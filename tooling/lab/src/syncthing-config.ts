import { randomBytes } from 'node:crypto';
import { LabError } from './errors.js';

export interface SyncthingLabConfig {
  /** e.g. `127.0.0.1:8384` (inside the host namespace). */
  guiAddress: string;
  apiKey: string;
  /** e.g. `tcp://0.0.0.0:22000`. */
  listenAddress: string;
  /** Device name shown to peers (instances otherwise all take the machine's hostname). */
  deviceName?: string;
}

/** A random GUI/REST API key (32 alphanumerics, like the ones syncthing generates). */
export function newApiKey(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return [...randomBytes(32)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** Options that make syncthing talk to nothing but its configured peers. */
const OFFLINE_OPTIONS: Readonly<Record<string, string>> = {
  globalAnnounceEnabled: 'false',
  localAnnounceEnabled: 'false',
  relaysEnabled: 'false',
  natEnabled: 'false',
  startBrowser: 'false',
  urAccepted: '-1',
  autoUpgradeIntervalH: '0',
  crashReportingEnabled: 'false',
};

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Replaces the text of the first `<tag>…</tag>` inside `scope`; throws if it is missing. */
function setElement(xml: string, tag: string, value: string): string {
  const re = new RegExp(`<${tag}>[^<]*</${tag}>`);
  if (!re.test(xml)) throw new LabError(`syncthing config.xml has no <${tag}>`);
  return xml.replace(re, `<${tag}>${escapeXml(value)}</${tag}>`);
}

/**
 * Rewrites a freshly generated syncthing 1.19 `config.xml` for the lab, before its first start:
 * GUI address and API key, one explicit listen address, and every outbound feature off
 * (discovery, relays, NAT/STUN, usage and crash reports, upgrades). Pure string edits of the
 * elements syncthing itself wrote, so the rest of the file is kept byte for byte.
 */
export function configureSyncthingXml(xml: string, c: SyncthingLabConfig): string {
  const guiStart = xml.indexOf('<gui ');
  const guiEnd = xml.indexOf('</gui>');
  const optStart = xml.indexOf('<options>');
  const optEnd = xml.indexOf('</options>');
  if (guiStart < 0 || guiEnd < 0 || optStart < 0 || optEnd < 0) {
    throw new LabError('syncthing config.xml lacks <gui> or <options>');
  }
  let gui = xml.slice(guiStart, guiEnd);
  gui = setElement(gui, 'address', c.guiAddress);
  gui = setElement(gui, 'apikey', c.apiKey);
  let options = xml.slice(optStart, optEnd);
  // Exactly one listen address: the default also adds QUIC and the public relay pool.
  options = options.replace(/\s*<listenAddress>[^<]*<\/listenAddress>/g, '');
  options = options.replace(
    '<options>',
    `<options>\n        <listenAddress>${escapeXml(c.listenAddress)}</listenAddress>`,
  );
  for (const [tag, value] of Object.entries(OFFLINE_OPTIONS)) {
    options = setElement(options, tag, value);
  }
  let head = xml.slice(0, guiStart);
  if (c.deviceName !== undefined) {
    // The first <device> is this instance's own entry.
    head = head.replace(/(<device id="[^"]*" name=")[^"]*"/, `$1${escapeXml(c.deviceName)}"`);
  }
  const middle = xml.slice(guiEnd, optStart);
  return head + gui + middle + options + xml.slice(optEnd);
}
