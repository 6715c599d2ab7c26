import { randomBytes } from 'node:crypto';
import { LabError } from './errors.js';

/** Every namespace and link the lab creates starts with this, followed by the lab id. */
export const LAB_PREFIX = 'mesh-';

const ID_RE = /^[0-9a-f]{6}$/;
const HOST_RE = /^[a-z][a-z0-9]{0,14}$/;
/** Host names the lab uses for itself (the bridge namespace). */
const RESERVED_HOSTS = new Set(['sw']);

/** Most hosts one lab holds: link names carry a two-digit index and must fit IFNAMSIZ (15). */
export const MAX_HOSTS = 50;

/** A fresh lab id: 6 hex digits, so `mesh-<id>-p49` still fits Linux's 15-char link names. */
export function newLabId(): string {
  return randomBytes(3).toString('hex');
}

export function isLabId(value: string): boolean {
  return ID_RE.test(value);
}

/** Throws unless `name` can name a lab host (lowercase letters and digits, ≤ 15 chars). */
export function assertHostName(name: string): void {
  if (!HOST_RE.test(name) || RESERVED_HOSTS.has(name)) {
    throw new LabError(`invalid lab host name "${name}"`, {
      hint: 'use 1-15 lowercase letters/digits starting with a letter (not "sw")',
    });
  }
}

/** Names of everything one lab creates. All of them contain `mesh-<id>-`. */
export interface LabNames {
  id: string;
  /** Namespace holding only the bridge; the hosts' veth peers plug into it. */
  bridgeNs: string;
  bridge: string;
  hostNs(host: string): string;
  /** The host's end of its veth pair (inside the host namespace). */
  hostLink(index: number): string;
  /** The bridge's end of host `index`'s veth pair (inside the bridge namespace). */
  bridgePort(index: number): string;
}

export function labNames(id: string): LabNames {
  if (!isLabId(id)) throw new LabError(`invalid lab id "${id}"`, { hint: 'ids are 6 hex digits' });
  const base = `${LAB_PREFIX}${id}-`;
  return {
    id,
    bridgeNs: `${base}sw`,
    bridge: `${base}br`,
    hostNs: (host) => `${base}${host}`,
    hostLink: (index) => `${base}e${index}`,
    bridgePort: (index) => `${base}p${index}`,
  };
}

/** The lab id inside a namespace or link name the lab created, else undefined. */
export function labIdOf(name: string): string | undefined {
  const m = /^mesh-([0-9a-f]{6})-[a-z0-9]+$/.exec(name);
  return m?.[1];
}
