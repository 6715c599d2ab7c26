import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { englishError, writeFileAtomic } from '@mesh/platform';
import { type Document, isMap, LineCounter, parseDocument } from 'yaml';
import * as z from 'zod/mini';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';

/** One machine in the registry: where mesh reaches it over SSH. */
export interface HostEntry {
  name: string;
  ip: string;
  port: number;
  /** The SSH user; unset means `MESH_DEFAULT_USER` at the time of use. */
  user: string | null;
}

/** A name `ssh NAME` and the tailnet accept: no dots or spaces, 1 to 63 characters. */
export const HOST_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$/;

const ipAddress = z.union([z.ipv4(), z.ipv6()], { error: 'an IPv4 or IPv6 address' });
const portNumber = z
  .int({ error: 'a port number from 1 to 65535' })
  .check(z.gte(1, 'a port number from 1 to 65535'), z.lte(65535, 'a port number from 1 to 65535'));
const entrySchema = z.object({
  ip: ipAddress,
  port: z._default(portNumber, 22),
  user: z._default(
    z.nullable(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'a user name'))),
    null,
  ),
});
const fileSchema = z.object({
  hosts: z._default(z.nullable(z.record(z.string(), z.unknown())), {}),
});

/** `hosts.yaml` in mesh's config directory, shaped `hosts: {NAME: {ip, port, user}}`. */
export function hostsFile(ctx: MeshContext): string {
  return path.join(ctx.paths.configDir, 'hosts.yaml');
}

interface Loaded {
  file: string;
  doc: Document;
  hosts: HostEntry[];
}

function broken(file: string, line: number | undefined, what: string): MeshError {
  return new MeshError(`${file}${line ? `:${line}` : ''}: ${what}`, {
    kind: 'badInput',
    hint: `fix ${line ? `line ${line} of ` : ''}${file} (or move it aside to start an empty registry); nothing was changed`,
  });
}

/** Reads and checks the whole registry; a fault names the file and line, and nothing is used. */
async function load(ctx: MeshContext): Promise<Loaded> {
  const file = hostsFile(ctx);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw broken(file, undefined, `cannot be read (${error.code ?? error.message})`);
  });
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? undefined : lines.linePos(offset).line;
  const [syntax] = doc.errors;
  if (syntax) throw broken(file, lineOf(syntax.pos[0]), `not valid YAML (${syntax.code})`);
  const top = fileSchema.safeParse(doc.toJS() ?? {});
  if (!top.success) throw broken(file, undefined, 'expected "hosts:" with one entry per host');
  const map = doc.get('hosts', true);
  const hosts: HostEntry[] = [];
  for (const [name, raw] of Object.entries(top.data.hosts ?? {})) {
    const node = isMap(map)
      ? map.items.find((i) => String((i.key as { value?: unknown })?.value) === name)
      : undefined;
    const line = lineOf((node?.key as { range?: [number] } | undefined)?.range?.[0]);
    if (!HOST_NAME.test(name))
      throw broken(file, line, `${JSON.stringify(name)} is not a host name`);
    const entry = entrySchema.safeParse(raw);
    if (!entry.success) {
      const issue = englishError(entry).issues[0];
      const field = issue?.path.join('.') || 'entry';
      throw broken(file, line, `host ${name}: ${field} must be ${issue?.message ?? 'valid'}`);
    }
    hosts.push({ name, ...entry.data });
  }
  return { file, doc, hosts };
}

/** Every registered host, in the file's order. */
export async function readHosts(ctx: MeshContext): Promise<HostEntry[]> {
  return (await load(ctx)).hosts;
}

/** The host called `name`; a name not in the registry fails with what is there. */
export async function findHost(ctx: MeshContext, name: string): Promise<HostEntry> {
  const { file, hosts } = await load(ctx);
  const found = hosts.find((h) => h.name === name);
  if (found) return found;
  throw new MeshError(`No host called ${name} in ${file}`, {
    kind: 'badInput',
    hint:
      hosts.length > 0
        ? `known hosts: ${hosts.map((h) => h.name).join(', ')}; add it with mesh host add ${name} --ip IP`
        : `add it first: mesh host add ${name} --ip IP`,
  });
}

/** Checks a host name before anything is written. */
export function checkHostName(name: string): void {
  if (!HOST_NAME.test(name)) {
    throw new MeshError(`${JSON.stringify(name)} is not a host name`, {
      kind: 'badInput',
      hint: 'use 1 to 63 letters, digits, - and _, starting with a letter or digit (no dots)',
    });
  }
}

/**
 * Sets the entry of `host.name` (comments and other entries stay as they are) and writes the
 * file atomically. Returns whether it changed.
 */
export async function saveHost(ctx: MeshContext, host: HostEntry): Promise<boolean> {
  const { file, doc } = await load(ctx);
  if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as typeof doc.contents;
  const value: Record<string, unknown> = { ip: host.ip, port: host.port };
  if (host.user !== null) value['user'] = host.user;
  const current = doc.getIn(['hosts', host.name], false);
  if (JSON.stringify(doc.toJS()?.hosts?.[host.name] ?? null) === JSON.stringify(value) && current) {
    return false;
  }
  if (!isMap(doc.get('hosts', true))) doc.set('hosts', doc.createNode({}));
  doc.setIn(['hosts', host.name], doc.createNode(value));
  return (await writeFileAtomic(file, doc.toString(), { mode: 0o600, backup: false })).changed;
}

/** Removes the entry of `name`; returns whether there was one. */
export async function deleteHost(ctx: MeshContext, name: string): Promise<boolean> {
  const { file, doc, hosts } = await load(ctx);
  if (!hosts.some((h) => h.name === name)) return false;
  doc.deleteIn(['hosts', name]);
  await writeFileAtomic(file, doc.toString(), { mode: 0o600, backup: false });
  return true;
}
