import { readdir, readFile, readlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The transport of a socket in `/proc/<pid>/net/{tcp,udp}{,6}`. */
export type SocketProtocol = 'tcp' | 'udp';

/** One line of `/proc/self/net/{tcp,tcp6,udp,udp6}`. */
export interface ProcSocket {
  protocol: SocketProtocol;
  family: 4 | 6;
  /** The local address, e.g. `127.0.0.1`, `0.0.0.0`, `::`, `::1`, `::ffff:127.0.0.1`. */
  address: string;
  port: number;
  /** The kernel's state number: for TCP `0x0A` is LISTEN; for UDP `0x07` is unconnected. */
  state: number;
  /** The user the socket belongs to. */
  uid: number;
  /** Its inode: what `/proc/<pid>/fd/N` links to as `socket:[inode]`, unique on the machine. */
  inode: number;
}

/** TCP's LISTEN state in /proc/net/tcp. */
export const TCP_LISTEN = 0x0a;

/** A process holding a socket: its pid, `comm` and command line. */
export interface SocketHolder {
  pid: number;
  /** `/proc/<pid>/comm` (at most 15 characters; `?` when it could not be read). */
  name: string;
  /** `/proc/<pid>/cmdline`, split into its arguments (empty when it could not be read). */
  commandLine: string[];
}

/** A socket that keeps a port from being bound, and who holds it. */
export interface PortHolding {
  socket: ProcSocket;
  /**
   * The processes whose fds hold it. Empty when none could be read: another user's processes
   * need root to look into.
   */
  holders: SocketHolder[];
}

// The kernel prints each 32-bit word of an address as a number in the machine's byte order.
const LITTLE_ENDIAN = os.endianness() === 'LE';

function wordBytes(hex: string, littleEndian: boolean): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < hex.length; i += 2) bytes.push(Number.parseInt(hex.slice(i, i + 2), 16));
  return littleEndian ? bytes.reverse() : bytes;
}

/**
 * The text of an address as `/proc/net/{tcp,udp}{,6}` prints it (8 or 32 hex digits), e.g.
 * `0100007F` → `127.0.0.1` on a little-endian machine.
 */
export function decodeProcAddress(hex: string, littleEndian = LITTLE_ENDIAN): string {
  if (!/^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32})$/.test(hex)) {
    throw new Error(`not an address of /proc/net: ${JSON.stringify(hex)}`);
  }
  const bytes: number[] = [];
  for (let i = 0; i < hex.length; i += 8)
    bytes.push(...wordBytes(hex.slice(i, i + 8), littleEndian));
  if (bytes.length === 4) return bytes.join('.');
  // An IPv4 address on an IPv6 socket: what bind() compares it with is the IPv4 one.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) {
    groups.push((((bytes[i] as number) << 8) | (bytes[i + 1] as number)).toString(16));
  }
  // The URL parser writes an IPv6 address in its one short form (`::`, `::1`, `fe80::1`).
  return new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1);
}

/**
 * The sockets of `/proc/self/net/tcp` (or `tcp6`, `udp`, `udp6`): one per line after the
 * header; lines that do not read as one are skipped.
 */
export function parseProcNet(
  text: string,
  protocol: SocketProtocol,
  littleEndian = LITTLE_ENDIAN,
): ProcSocket[] {
  const sockets: ProcSocket[] = [];
  for (const line of text.split('\n')) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !/^\d+:$/.test(f[0] as string)) continue;
    const local = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/.exec(f[1] as string);
    if (!local) continue;
    const addressHex = local[1] as string;
    const portHex = local[2] as string;
    const uid = Number(f[7]);
    const inode = Number(f[9]);
    if (!Number.isInteger(uid) || !Number.isInteger(inode)) continue;
    sockets.push({
      protocol,
      family: addressHex.length === 8 ? 4 : 6,
      address: decodeProcAddress(addressHex, littleEndian),
      port: Number.parseInt(portHex, 16),
      state: Number.parseInt(f[3] as string, 16),
      uid,
      inode,
    });
  }
  return sockets;
}

/**
 * Whether `socket`, on the same port, makes `bind(bindAddress)` fail with EADDRINUSE.
 * `bindAddress` is IPv4; `0.0.0.0` means every address, as Go binds it: one dual-stack IPv6
 * socket, which anything on the port is in the way of. A specific address clashes with
 * itself and with the wildcards (`::` counted as dual-stack, the Linux default).
 */
export function blocksBind(socket: Pick<ProcSocket, 'address' | 'family'>, bindAddress: string) {
  if (bindAddress === '0.0.0.0') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(socket.address)?.[1];
  const v4 = socket.family === 4 ? socket.address : mapped;
  if (v4 !== undefined) return v4 === '0.0.0.0' || v4 === bindAddress;
  return socket.address === '::';
}

/**
 * The sockets of one netns table that keep `bindAddress:port` from being bound: for TCP only
 * listening ones (a connection left over from a listener does not stop a new one), for UDP
 * any bound there.
 */
export function socketsInTheWay(
  sockets: readonly ProcSocket[],
  port: number,
  bindAddress: string,
): ProcSocket[] {
  return sockets.filter(
    (s) =>
      s.port === port &&
      s.inode !== 0 &&
      (s.protocol === 'udp' || s.state === TCP_LISTEN) &&
      blocksBind(s, bindAddress),
  );
}

/** The inode of a `/proc/<pid>/fd/N` link to a socket (`socket:[12345]`), else undefined. */
export function socketInode(link: string): number | undefined {
  const m = /^socket:\[(\d+)\]$/.exec(link);
  return m ? Number(m[1]) : undefined;
}

/**
 * Which of `inodes` each process holds, from its fd links (pid → the targets of its
 * `/proc/<pid>/fd/*`): inode → pids, in pid order.
 */
export function matchSocketInodes(
  fdLinks: ReadonlyMap<number, readonly string[]>,
  inodes: ReadonlySet<number>,
): Map<number, number[]> {
  const holders = new Map<number, number[]>();
  for (const pid of [...fdLinks.keys()].sort((a, b) => a - b)) {
    for (const link of fdLinks.get(pid) ?? []) {
      const inode = socketInode(link);
      if (inode === undefined || !inodes.has(inode)) continue;
      const pids = holders.get(inode) ?? [];
      if (!pids.includes(pid)) pids.push(pid);
      holders.set(inode, pids);
    }
  }
  return holders;
}

export interface PortHoldersOptions {
  port: number;
  protocol: SocketProtocol;
  /** The IPv4 address that would be bound (see {@link blocksBind}). @default '0.0.0.0' */
  bindAddress?: string;
  /** Where procfs is. @default '/proc' */
  procRoot?: string;
}

async function socketLinks(procRoot: string, pid: number): Promise<string[]> {
  const dir = path.join(procRoot, String(pid), 'fd');
  // Another user's process (without root) or one that just ended: nothing to learn from it.
  const fds = await readdir(dir).catch(() => [] as string[]);
  const links = await Promise.all(fds.map((fd) => readlink(path.join(dir, fd)).catch(() => '')));
  return links.filter((l) => l.startsWith('socket:'));
}

async function describeHolder(procRoot: string, pid: number): Promise<SocketHolder> {
  const dir = path.join(procRoot, String(pid));
  const [comm, cmdline] = await Promise.all([
    readFile(path.join(dir, 'comm'), 'utf8').catch(() => ''),
    readFile(path.join(dir, 'cmdline'), 'utf8').catch(() => ''),
  ]);
  const args = cmdline.split('\0');
  if (args.at(-1) === '') args.pop();
  return { pid, name: comm.trim() || '?', commandLine: args };
}

/**
 * The sockets of this network namespace that keep `bindAddress:port` from being bound, with
 * the processes holding each; undefined where there is no `/proc/self/net` (not Linux).
 * Only `/proc/self/net` is read for sockets: on a machine of network namespaces (containers,
 * the lab) other namespaces' sockets on the same port are not in the way, and their
 * processes, which share /proc, are told apart by the socket inode alone.
 */
export async function portHolders(o: PortHoldersOptions): Promise<PortHolding[] | undefined> {
  const procRoot = o.procRoot ?? '/proc';
  const bindAddress = o.bindAddress ?? '0.0.0.0';
  const tables = await Promise.all(
    ['', '6'].map((v) =>
      readFile(path.join(procRoot, 'self', 'net', `${o.protocol}${v}`), 'utf8').catch(
        () => undefined,
      ),
    ),
  );
  if (tables.every((t) => t === undefined)) return undefined;
  const inTheWay = socketsInTheWay(
    tables.flatMap((t) => (t === undefined ? [] : parseProcNet(t, o.protocol))),
    o.port,
    bindAddress,
  );
  if (inTheWay.length === 0) return [];
  const pids = (await readdir(procRoot).catch(() => [] as string[]))
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
  const fdLinks = new Map<number, string[]>();
  // A few processes at a time: a machine may have thousands, each with many fds.
  for (let i = 0; i < pids.length; i += 32) {
    const batch = pids.slice(i, i + 32);
    const links = await Promise.all(batch.map((pid) => socketLinks(procRoot, pid)));
    batch.forEach((pid, j) => {
      if ((links[j] as string[]).length > 0) fdLinks.set(pid, links[j] as string[]);
    });
  }
  const byInode = matchSocketInodes(fdLinks, new Set(inTheWay.map((s) => s.inode)));
  return Promise.all(
    inTheWay.map(async (socket) => ({
      socket,
      holders: await Promise.all(
        (byInode.get(socket.inode) ?? []).map((pid) => describeHolder(procRoot, pid)),
      ),
    })),
  );
}
