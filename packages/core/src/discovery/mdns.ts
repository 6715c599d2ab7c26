import os from 'node:os';
import { Bonjour, type Service } from 'bonjour-service';
import { aborted } from '../internal/aborted.js';

/** The DNS-SD type a Mesh server announces: `_mesh-headscale._tcp`. */
export const MDNS_SERVICE_TYPE = 'mesh-headscale';

/** A server that announced itself on this network. */
export interface AnnouncedServer {
  /** Its instance name (`mesh on <hostname>`). */
  name: string;
  /** The Headscale URL from its TXT record. */
  url: string;
  /** The address the answer came from. */
  from: string | null;
}

const TAILNET = /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./;

/**
 * The IPv4 address of the LAN interface mDNS speaks on: the one given, else the first that is
 * neither loopback nor on the tailnet. Multicast is sent out of that interface explicitly,
 * since a machine (or a lab namespace) may have no default route for 224.0.0.251 to follow.
 */
export function lanAddress(preferred?: string): string | undefined {
  const all = Object.values(os.networkInterfaces())
    .flat()
    .filter((a): a is os.NetworkInterfaceInfo => a !== undefined)
    .filter((a) => a.family === 'IPv4' && !a.internal && !TAILNET.test(a.address));
  return all.find((a) => a.address === preferred)?.address ?? all[0]?.address;
}

function bonjour(address: string | undefined): Bonjour {
  // multicast-dns takes `interface` and `bind` (bonjour-service passes them on; its types do not
  // say so). It binds to the interface's own address unless told otherwise, and a socket bound
  // to a unicast address never sees what is sent to the multicast group.
  const opts = address ? ({ interface: address, bind: '0.0.0.0' } as object) : {};
  return new Bonjour(opts as ConstructorParameters<typeof Bonjour>[0]);
}

/**
 * Announces the server at `url` until `signal` aborts; answers queries on the LAN interface of
 * the URL's host when it is this machine's, else the first LAN interface.
 */
export async function announceServer(o: {
  url: string;
  hostname: string;
  signal: AbortSignal;
}): Promise<void> {
  const u = new URL(o.url);
  const b = bonjour(lanAddress(u.hostname));
  b.publish({
    name: `mesh on ${o.hostname}`,
    type: MDNS_SERVICE_TYPE,
    port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)),
    txt: { url: o.url },
    disableIPv6: true,
  });
  await aborted(o.signal);
  await new Promise<void>((resolve) => b.unpublishAll(() => b.destroy(() => resolve())));
}

/** Every Mesh server that answers a browse within `timeoutMs`, by URL. */
export async function browseServers(o: { timeoutMs?: number } = {}): Promise<AnnouncedServer[]> {
  const b = bonjour(lanAddress());
  const found = new Map<string, AnnouncedServer>();
  const browser = b.find({ type: MDNS_SERVICE_TYPE }, (s: Service) => {
    const url = typeof s.txt?.url === 'string' ? s.txt.url : undefined;
    if (url && /^https?:\/\//.test(url)) {
      found.set(url, {
        name: s.name,
        url: url.replace(/\/+$/, ''),
        from: s.referer?.address ?? null,
      });
    }
  });
  await new Promise((r) => setTimeout(r, o.timeoutMs ?? 5000));
  browser.stop();
  await new Promise<void>((resolve) => b.destroy(() => resolve()));
  return [...found.values()];
}
