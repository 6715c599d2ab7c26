/**
 * Turning a `config.xml` that `syncthing generate` wrote into a private one, before the first
 * start, so the instance never reaches out even once (global discovery, relays, NAT/STUN, usage
 * and crash reports, upgrades). Once Syncthing runs, change settings over REST instead.
 */
import { randomBytes } from 'node:crypto';
import { SyncthingError } from './errors.js';

/** Options of {@link privateSyncthingConfig}. Absent values leave the file's own as they are. */
export interface PrivateSyncthingConfigOptions {
  /** GUI / REST listen address, e.g. `127.0.0.1:8384`. */
  guiAddress?: string;
  /** GUI / REST API key (a secret: keep the file 0600). */
  apiKey?: string;
  /**
   * Sync listen addresses, e.g. `['tcp://0.0.0.0:22000']`. Give them explicitly: Syncthing's
   * `default` also means QUIC and the public relay pool.
   */
  listenAddresses?: readonly string[];
  /** Name of this device (its own, first `<device>` entry); otherwise the host name. */
  deviceName?: string;
  /** Keep LAN broadcast discovery (local announce) on. @default false */
  localAnnounce?: boolean;
  /** Further `<options>` elements to set, e.g. `{ reconnectionIntervalS: 1 }`. */
  options?: Readonly<Record<string, string | number | boolean>>;
}

/** The `<options>` that make Syncthing talk only to configured peers. */
export const PRIVATE_SYNCTHING_OPTIONS: Readonly<Record<string, string>> = {
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

/** Sets the first `<tag>` in `section`, or adds it after `openTag` when Syncthing left it out. */
function setOrAdd(section: string, tag: string, value: string, openTag: string): string {
  const re = new RegExp(`<${tag}>[^<]*</${tag}>`);
  const element = `<${tag}>${escapeXml(value)}</${tag}>`;
  return re.test(section)
    ? section.replace(re, () => element)
    : section.replace(openTag, () => `${openTag}\n        ${element}`);
}

/**
 * Returns `xml` made private: every outbound feature off (see {@link PRIVATE_SYNCTHING_OPTIONS};
 * the global announce and STUN server lists emptied too), plus the given GUI address, API key,
 * listen addresses and device name. String edits of the elements Syncthing itself wrote, so the
 * rest of the file is kept byte for byte; applying it again to its own output changes nothing.
 * @throws {SyncthingError} when the file has no `<gui>` or `<options>` section.
 */
export function privateSyncthingConfig(xml: string, o: PrivateSyncthingConfigOptions = {}): string {
  const guiStart = xml.search(/<gui[\s>]/);
  const guiEnd = xml.indexOf('</gui>');
  const optStart = xml.indexOf('<options>');
  const optEnd = xml.indexOf('</options>');
  if (guiStart < 0 || guiEnd < 0 || optStart < 0 || optEnd < 0 || optStart < guiEnd) {
    throw new SyncthingError('config.xml lacks <gui> or <options>', {
      hint: 'regenerate it: delete it and run `syncthing generate` again',
    });
  }
  const guiOpen = /<gui[^>]*>/.exec(xml.slice(guiStart))?.[0] ?? '<gui>';
  let gui = xml.slice(guiStart, guiEnd);
  if (o.guiAddress !== undefined) gui = setOrAdd(gui, 'address', o.guiAddress, guiOpen);
  if (o.apiKey !== undefined) gui = setOrAdd(gui, 'apikey', o.apiKey, guiOpen);

  let options = xml.slice(optStart, optEnd);
  const wanted = o.listenAddresses;
  const current = [...options.matchAll(/<listenAddress>([^<]*)<\/listenAddress>/g)].map(
    (m) => m[1],
  );
  if (wanted && (current.length !== wanted.length || current.some((c, i) => c !== wanted[i]))) {
    options = options.replace(/\s*<listenAddress>[^<]*<\/listenAddress>/g, '');
    const elements = wanted.map((a) => `\n        <listenAddress>${escapeXml(a)}</listenAddress>`);
    options = options.replace('<options>', () => `<options>${elements.join('')}`);
  }
  // Belt and braces: no server to announce to or to ask for our address, even if a switch
  // above is flipped back on over REST later.
  options = options.replace(/\s*<(globalAnnounceServer|stunServer)>[^<]*<\/\1>/g, '');
  const settings: Record<string, string> = { ...PRIVATE_SYNCTHING_OPTIONS };
  if (o.localAnnounce) settings['localAnnounceEnabled'] = 'true';
  for (const [tag, value] of Object.entries(o.options ?? {})) settings[tag] = String(value);
  for (const [tag, value] of Object.entries(settings)) {
    options = setOrAdd(options, tag, value, '<options>');
  }

  let head = xml.slice(0, guiStart);
  if (o.deviceName !== undefined) {
    // The first <device> is this instance's own entry; every instance is otherwise named after
    // the kernel host name, which network namespaces (and WSL + Windows on one PC) share.
    const name = escapeXml(o.deviceName);
    head = head.replace(
      /(<device id="[^"]*" name=")[^"]*"/,
      (_, open: string) => `${open}${name}"`,
    );
  }
  return head + gui + xml.slice(guiEnd, optStart) + options + xml.slice(optEnd);
}

/** A random GUI / REST API key: 32 alphanumerics, like the ones Syncthing generates. */
export function newSyncthingApiKey(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  // 256 % 62 != 0 gives a slight bias; 32 characters keep ~190 bits either way.
  return [...randomBytes(32)].map((b) => alphabet[b % alphabet.length]).join('');
}
