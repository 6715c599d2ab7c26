/**
 * Edits of a Syncthing `config.xml` made before its first start, so the instance never tries
 * discovery, relays, NAT, usage or crash reporting even once. String edits of elements Syncthing
 * itself wrote, so everything else is kept byte for byte. (Thin adapter: the syncthing-client
 * library talks REST only; once Syncthing runs, core changes settings over REST instead.)
 */

/** Options that make Syncthing talk only to configured peers (reference §5). */
export const OFFLINE_OPTIONS: Readonly<Record<string, string>> = {
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

function setOrAdd(section: string, tag: string, value: string, openTag: string): string {
  const re = new RegExp(`<${tag}>[^<]*</${tag}>`);
  const element = `<${tag}>${escapeXml(value)}</${tag}>`;
  return re.test(section)
    ? section.replace(re, element)
    : section.replace(openTag, `${openTag}\n        ${element}`);
}

export interface SyncthingXmlSettings {
  guiAddress: string;
  listenAddress: string;
  deviceName: string;
}

/** Applies Mesh's settings to a config.xml; returns the new text (equal when nothing changed). */
export function applySyncthingXml(xml: string, s: SyncthingXmlSettings): string {
  const guiStart = xml.search(/<gui[\s>]/);
  const guiEnd = xml.indexOf('</gui>');
  const optStart = xml.indexOf('<options>');
  const optEnd = xml.indexOf('</options>');
  if (guiStart < 0 || guiEnd < 0 || optStart < 0 || optEnd < 0 || optStart < guiEnd) {
    throw new Error('config.xml lacks <gui> or <options> (regenerate it: delete it and rerun)');
  }
  const guiOpen = /<gui[^>]*>/.exec(xml.slice(guiStart))?.[0] ?? '<gui>';
  let gui = xml.slice(guiStart, guiEnd);
  gui = setOrAdd(gui, 'address', s.guiAddress, guiOpen);
  let options = xml.slice(optStart, optEnd);
  const listen = `<listenAddress>${escapeXml(s.listenAddress)}</listenAddress>`;
  const current = [...options.matchAll(/<listenAddress>([^<]*)<\/listenAddress>/g)].map(
    (m) => m[1],
  );
  if (current.length !== 1 || current[0] !== s.listenAddress) {
    // Exactly one explicit listen address: `default` also means QUIC and the public relay pool.
    options = options.replace(/\s*<listenAddress>[^<]*<\/listenAddress>/g, '');
    options = options.replace('<options>', `<options>\n        ${listen}`);
  }
  for (const [tag, value] of Object.entries(OFFLINE_OPTIONS)) {
    options = setOrAdd(options, tag, value, '<options>');
  }
  let head = xml.slice(0, guiStart);
  // The first <device> is this instance's own entry; every instance is named after the kernel
  // hostname otherwise, which the lab's namespaces (and WSL + Windows on one PC) share.
  head = head.replace(/(<device id="[^"]*" name=")[^"]*"/, `$1${escapeXml(s.deviceName)}"`);
  return head + gui + xml.slice(guiEnd, optStart) + options + xml.slice(optEnd);
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
