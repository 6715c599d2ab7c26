/**
 * Syncthing device IDs, offline: parse, normalise, validate (Syncthing's Luhn mod-32 variant),
 * short form, and computing an ID from a certificate. Mirrors `lib/protocol/deviceid.go` and
 * `luhn.go` in behaviour (re-implemented from the format description).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { SyncthingError } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Thrown for malformed device IDs; `reason` is Syncthing's wording. */
export class SyncthingDeviceIdError extends SyncthingError {
  override name = 'SyncthingDeviceIdError';
  readonly reason: 'incorrect length' | 'check digit incorrect' | 'invalid character';
  constructor(input: string, reason: SyncthingDeviceIdError['reason']) {
    super(
      `${JSON.stringify(input.length > 80 ? `${input.slice(0, 80)}…` : input)}: device ID invalid: ${reason}`,
      {
        hint: 'a device ID is 56 base32 characters (A-Z, 2-7) in 8 dash-separated groups of 7',
      },
    );
    this.reason = reason;
  }
}

/**
 * Syncthing's check character for a group of base32 characters: factors alternate 1,2 starting
 * with 1; each product p contributes floor(p/32) + p%32; check = alphabet[(32 - sum%32) % 32].
 */
export function luhn32(group: string): string {
  let sum = 0;
  let factor = 1;
  for (const ch of group) {
    const codepoint = ALPHABET.indexOf(ch);
    if (codepoint < 0) throw new SyncthingDeviceIdError(group, 'invalid character');
    const addend = factor * codepoint;
    factor = factor === 2 ? 1 : 2;
    sum += Math.floor(addend / 32) + (addend % 32);
  }
  return ALPHABET[(32 - (sum % 32)) % 32] as string;
}

/** RFC 4648 base32 without padding, upper case. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

function base32Decode(text: string): Uint8Array {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const idx = ALPHABET.indexOf(ch);
    if (idx < 0) throw new SyncthingDeviceIdError(text, 'invalid character');
    value = ((value << 5) | idx) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

/** Formats 32 raw bytes (SHA-256 of the cert) as the canonical `XXXXXXX-…` (8 groups of 7). */
export function formatDeviceId(raw: Uint8Array): string {
  if (raw.length !== 32) throw new TypeError(`device ID needs 32 bytes, got ${raw.length}`);
  const b32 = base32(raw); // 52 chars
  let withChecks = '';
  for (let i = 0; i < 4; i++) {
    const group = b32.slice(i * 13, i * 13 + 13);
    withChecks += group + luhn32(group);
  }
  return (withChecks.match(/.{7}/g) ?? []).join('-');
}

/** Upper-cases, fixes the 0/1/8 typos Syncthing fixes, and drops `=`, dashes and whitespace. */
export function cleanDeviceIdInput(input: string): string {
  return input
    .replace(/=/g, '')
    .toUpperCase()
    .replace(/0/g, 'O')
    .replace(/1/g, 'I')
    .replace(/8/g, 'B')
    .replace(/[-\s]/g, '');
}

/** A parsed device ID: the canonical string, its 32 bytes and the short form. */
export interface DeviceId {
  /** Canonical `XXXXXXX-XXXXXXX-…` form. */
  id: string;
  /** The 32 raw bytes (SHA-256 of the certificate DER). */
  bytes: Uint8Array;
  /** First 7 characters: the short ID used in `modifiedBy`, version vectors and conflict names. */
  short: string;
}

/**
 * Parses any accepted spelling: with or without dashes/spaces, any case, 0/1/8 typos, and the old
 * 52-character form without check characters. Throws {@link SyncthingDeviceIdError}.
 */
export function parseDeviceId(input: string): DeviceId {
  const cleaned = cleanDeviceIdInput(input);
  let b32: string;
  if (cleaned.length === 56) {
    b32 = '';
    for (let i = 0; i < 4; i++) {
      const chunk = cleaned.slice(i * 14, i * 14 + 14);
      const group = chunk.slice(0, 13);
      if (!/^[A-Z2-7]+$/.test(chunk)) throw new SyncthingDeviceIdError(input, 'invalid character');
      if (luhn32(group) !== chunk[13])
        throw new SyncthingDeviceIdError(input, 'check digit incorrect');
      b32 += group;
    }
  } else if (cleaned.length === 52) {
    b32 = cleaned;
    if (!/^[A-Z2-7]+$/.test(b32)) throw new SyncthingDeviceIdError(input, 'invalid character');
  } else {
    throw new SyncthingDeviceIdError(input, 'incorrect length');
  }
  const bytes = base32Decode(b32);
  const id = formatDeviceId(bytes);
  return { id, bytes, short: id.slice(0, 7) };
}

/** Canonical form of a device ID (throws if invalid). */
export function normalizeDeviceId(input: string): string {
  return parseDeviceId(input).id;
}

/** True when `input` is a valid device ID in any accepted spelling. */
export function isValidDeviceId(input: string): boolean {
  try {
    parseDeviceId(input);
    return true;
  } catch {
    return false;
  }
}

/** The 7-character short ID of a device ID. */
export function shortDeviceId(input: string): string {
  return parseDeviceId(input).short;
}

/** Two IDs name the same device (compared after normalisation; invalid → false). */
export function sameDeviceId(a: string, b: string): boolean {
  try {
    return parseDeviceId(a).id === parseDeviceId(b).id;
  } catch {
    return false;
  }
}

/**
 * The device ID of a certificate: SHA-256 of its DER, formatted. Accepts PEM text or DER bytes
 * (Syncthing's `cert.pem`).
 */
export function deviceIdFromCertificate(cert: string | Uint8Array): string {
  const der = new X509Certificate(typeof cert === 'string' ? cert : Buffer.from(cert)).raw;
  return formatDeviceId(createHash('sha256').update(der).digest());
}
