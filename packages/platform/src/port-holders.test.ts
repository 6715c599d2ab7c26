import { createSocket } from 'node:dgram';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  blocksBind,
  decodeProcAddress,
  matchSocketInodes,
  parseProcNet,
  portHolders,
  socketInode,
  socketsInTheWay,
} from './port-holders.js';

// As a little-endian (x86, arm64) kernel prints them; trailing columns cut short.
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:20C1 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 41001 1 0000000000000000 100 0 0 10 0
   1: 00000000:55F1 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41002 1 0000000000000000 100 0 0 10 0
   2: 0100007F:55F1 0100007F:B866 01 00000000:00000000 00:00000000 00000000     0        0 41003 1 0000000000000000 20 4 30 10 -1
   3: 0100007F:55F1 0100007F:B867 06 00000000:00000000 03:00000227 00000000     0        0 0 3 0000000000000000
garbage line
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:20C2 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   998        0 41004 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:20C3 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41005 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:20C4 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41006 1 0000000000000000 100 0 0 10 0
`;
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  712: 00000000:55F1 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 41007 2 0000000000000000 0
`;

describe('decodeProcAddress', () => {
  it.each([
    ['0100007F', '127.0.0.1'],
    ['00000000', '0.0.0.0'],
    ['0500A8C0', '192.168.0.5'],
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000001000000', '::1'],
    ['0000000000000000FFFF00000100007F', '::ffff:127.0.0.1'],
    ['000080FE00000000FF4A0202FE0B0C0D', 'fe80::202:4aff:d0c:bfe'],
  ])('%s is %s on a little-endian machine', (hex, text) => {
    expect(decodeProcAddress(hex, true)).toBe(text);
  });

  it('reads a big-endian kernel too', () => {
    expect(decodeProcAddress('7F000001', false)).toBe('127.0.0.1');
    expect(decodeProcAddress('00000000000000000000000000000001', false)).toBe('::1');
  });

  it('refuses what is not an address', () => {
    expect(() => decodeProcAddress('7F00001')).toThrow(/not an address/);
  });
});

describe('parseProcNet', () => {
  it('reads each socket line and skips the header and garbage', () => {
    const tcp = parseProcNet(TCP, 'tcp', true);
    expect(tcp).toHaveLength(4);
    expect(tcp[0]).toEqual({
      protocol: 'tcp',
      family: 4,
      address: '127.0.0.1',
      port: 8385,
      state: 0x0a,
      uid: 1000,
      inode: 41001,
    });
    expect(tcp[1]).toMatchObject({ address: '0.0.0.0', port: 22001, uid: 0, inode: 41002 });
    expect(tcp[3]).toMatchObject({ state: 6, inode: 0 });
  });

  it('reads IPv6 and UDP tables', () => {
    expect(parseProcNet(TCP6, 'tcp', true).map((s) => [s.family, s.address, s.port])).toEqual([
      [6, '::', 8386],
      [6, '::1', 8387],
      [6, '::ffff:127.0.0.1', 8388],
    ]);
    expect(parseProcNet(UDP, 'udp', true)).toEqual([
      {
        protocol: 'udp',
        family: 4,
        address: '0.0.0.0',
        port: 22001,
        state: 7,
        uid: 1000,
        inode: 41007,
      },
    ]);
  });
});

describe('blocksBind', () => {
  const v4 = (address: string) => ({ address, family: 4 as const });
  const v6 = (address: string) => ({ address, family: 6 as const });

  it('127.0.0.1: itself and the wildcards, not other addresses', () => {
    expect(blocksBind(v4('127.0.0.1'), '127.0.0.1')).toBe(true);
    expect(blocksBind(v4('0.0.0.0'), '127.0.0.1')).toBe(true);
    expect(blocksBind(v6('::'), '127.0.0.1')).toBe(true);
    expect(blocksBind(v6('::ffff:127.0.0.1'), '127.0.0.1')).toBe(true);
    expect(blocksBind(v4('127.0.0.2'), '127.0.0.1')).toBe(false);
    expect(blocksBind(v4('192.168.0.5'), '127.0.0.1')).toBe(false);
    expect(blocksBind(v6('::1'), '127.0.0.1')).toBe(false);
  });

  it('0.0.0.0 (dual-stack, as Go binds it): anything on the port', () => {
    for (const s of [v4('192.168.0.5'), v4('127.0.0.1'), v6('::1'), v6('fe80::1'), v6('::')]) {
      expect(blocksBind(s, '0.0.0.0'), s.address).toBe(true);
    }
  });
});

describe('socketsInTheWay', () => {
  it('TCP: listeners only, not connections or sockets in TIME_WAIT', () => {
    const tcp = parseProcNet(TCP, 'tcp', true);
    expect(socketsInTheWay(tcp, 22001, '0.0.0.0').map((s) => s.inode)).toEqual([41002]);
    expect(socketsInTheWay(tcp, 8385, '127.0.0.1').map((s) => s.inode)).toEqual([41001]);
    expect(socketsInTheWay(tcp, 8384, '127.0.0.1')).toEqual([]);
  });

  it('UDP: any socket bound to the port', () => {
    const udp = parseProcNet(UDP, 'udp', true);
    expect(socketsInTheWay(udp, 22001, '0.0.0.0').map((s) => s.inode)).toEqual([41007]);
  });
});

describe('matching socket inodes to processes', () => {
  it('reads socket links only', () => {
    expect(socketInode('socket:[41002]')).toBe(41002);
    expect(socketInode('pipe:[41002]')).toBeUndefined();
    expect(socketInode('anon_inode:[eventpoll]')).toBeUndefined();
    expect(socketInode('/dev/null')).toBeUndefined();
  });

  it('finds every pid holding an inode of this namespace, and no other', () => {
    const links = new Map<number, string[]>([
      // A process of another network namespace, listening on the same port: its own inode.
      [300, ['socket:[52000]', 'pipe:[41002]']],
      // A fork that inherited the listener, seen before its parent.
      [210, ['/dev/null', 'socket:[41002]']],
      [200, ['socket:[41001]', 'socket:[41002]', 'socket:[41002]']],
    ]);
    const held = matchSocketInodes(links, new Set([41001, 41002, 41007]));
    expect(held.get(41002)).toEqual([200, 210]);
    expect(held.get(41001)).toEqual([200]);
    expect(held.has(41007)).toBe(false);
    expect(held.has(52000)).toBe(false);
  });
});

describe('portHolders', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function fakeProc(): Promise<string> {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mesh-proc-'));
    const root = dir;
    await mkdir(path.join(root, 'self', 'net'), { recursive: true });
    // Addresses as this machine's kernel would print them.
    const le = os.endianness() === 'LE';
    await writeFile(
      path.join(root, 'self', 'net', 'tcp'),
      le ? TCP : TCP.replace(/0100007F:/g, '7F000001:'),
    );
    const proc = async (pid: number, comm: string, argv: string[], fds: string[]) => {
      await mkdir(path.join(root, String(pid), 'fd'), { recursive: true });
      await writeFile(path.join(root, String(pid), 'comm'), `${comm}\n`);
      await writeFile(path.join(root, String(pid), 'cmdline'), `${argv.join('\0')}\0`);
      for (const [i, target] of fds.entries()) {
        await symlink(target, path.join(root, String(pid), 'fd', String(i)));
      }
    };
    await proc(100, 'nc', ['nc', '-l', '22001'], ['/dev/null', 'socket:[41002]']);
    // Another namespace's listener on the same port: not in this table, not in the way.
    await proc(200, 'syncthing', ['syncthing', 'serve', '--home=/x'], ['socket:[52000]']);
    // Another user's process, whose fds cannot be read: only a pid directory.
    await mkdir(path.join(root, '300'));
    await mkdir(path.join(root, 'sys'));
    return root;
  }

  it('names the process holding the socket of this namespace', async () => {
    const procRoot = await fakeProc();
    expect(await portHolders({ port: 22001, protocol: 'tcp', procRoot })).toEqual([
      {
        socket: expect.objectContaining({ inode: 41002, address: '0.0.0.0', port: 22001 }),
        holders: [{ pid: 100, name: 'nc', commandLine: ['nc', '-l', '22001'] }],
      },
    ]);
  });

  it('a socket no readable process holds: there, with no holder', async () => {
    const procRoot = await fakeProc();
    const r = await portHolders({
      port: 8385,
      protocol: 'tcp',
      bindAddress: '127.0.0.1',
      procRoot,
    });
    expect(r).toEqual([{ socket: expect.objectContaining({ inode: 41001 }), holders: [] }]);
  });

  it('a free port: nothing; no table at all (not Linux): undefined', async () => {
    const procRoot = await fakeProc();
    expect(await portHolders({ port: 8384, protocol: 'tcp', procRoot })).toEqual([]);
    expect(await portHolders({ port: 22001, protocol: 'udp', procRoot })).toBeUndefined();
  });
});

describe.runIf(process.platform === 'linux')('portHolders on this machine', () => {
  it('a port this test process listens on, on 127.0.0.1: reported with its pid', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const r = await portHolders({ port, protocol: 'tcp', bindAddress: '127.0.0.1' });
      const comm = (await readFile('/proc/self/comm', 'utf8')).trim();
      const argv = (await readFile('/proc/self/cmdline', 'utf8')).split('\0').slice(0, -1);
      expect(r).toHaveLength(1);
      expect(r?.[0]?.socket).toMatchObject({ address: '127.0.0.1', port, uid: process.getuid?.() });
      expect(r?.[0]?.holders).toEqual([{ pid: process.pid, name: comm, commandLine: argv }]);
      // Free once closed.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      expect(await portHolders({ port, protocol: 'tcp', bindAddress: '127.0.0.1' })).toEqual([]);
    } finally {
      if (server.listening) server.close();
    }
  });

  it('a UDP port this test process has bound: reported with its pid', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    try {
      const { port } = socket.address();
      const r = await portHolders({ port, protocol: 'udp' });
      expect(r?.map((h) => h.holders.map((p) => p.pid))).toEqual([[process.pid]]);
    } finally {
      socket.close();
    }
  });
});
