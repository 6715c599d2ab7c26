import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeMachine, fakeMachine, httpServer, meshFailure } from '../../test/fake-machine.js';
import { collector } from '../../test/wsl-root.js';
import { checkServerHealth, clientSetup, joinMesh } from './client.js';

const KEY = 'hskey-auth-abcdefghijklmnopqrstuvwxyz';
let machine: FakeMachine;
const servers: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await machine?.remove();
});

async function serve(routes: Parameters<typeof httpServer>[0]) {
  const s = await httpServer(routes);
  servers.push(s);
  return s;
}

const failure = (p: Promise<unknown>) => meshFailure(p);

describe('checkServerHealth: only Headscale passes', () => {
  it('passes 200 {"status":"pass"}', async () => {
    machine = await fakeMachine();
    const s = await serve({ '/health': { status: 200, body: '{"status":"pass"}' } });
    await expect(checkServerHealth(await machine.context(), s.url)).resolves.toBeUndefined();
  });

  it('fails with exit 5 when something else answers /health', async () => {
    machine = await fakeMachine();
    const s = await serve({ '/health': { status: 200, body: '{"ok":false}' } });
    const e = await failure(checkServerHealth(await machine.context(), s.url));
    expect(e.kind).toBe('serverUnreachable');
    expect(e.exitCode).toBe(5);
    expect(e.message).toBe(
      `${s.url} answers, but does not look like Headscale (GET /health: HTTP 200, not {"status":"pass"})`,
    );
  });

  it('fails with exit 5 for a web server that has no /health', async () => {
    machine = await fakeMachine();
    const s = await serve({});
    const e = await failure(checkServerHealth(await machine.context(), s.url));
    expect(e.exitCode).toBe(5);
    expect(e.message).toContain('does not look like Headscale (GET /health: HTTP 404');
  });

  it('fails with exit 5 when /version answers something that is not Headscale', async () => {
    machine = await fakeMachine();
    const s = await serve({ '/version': { status: 200, body: '{"ok":false}' } });
    const e = await failure(checkServerHealth(await machine.context(), s.url));
    expect(e.exitCode).toBe(5);
    expect(e.message).toBe(
      `${s.url} answers, but does not look like Headscale (GET /version: HTTP 200, not a Headscale version)`,
    );
  });

  it('tells a failing Headscale from something else', async () => {
    machine = await fakeMachine();
    const s = await serve({ '/health': { status: 500, body: '{"status":"fail"}' } });
    const e = await failure(checkServerHealth(await machine.context(), s.url));
    expect(e.exitCode).toBe(5);
    expect(e.message).toBe(
      `Headscale at ${s.url} is not healthy (GET /health: HTTP 500, status "fail")`,
    );
  });
});

describe('mesh client setup refuses bad input before anything changes', () => {
  it('a URL that is not Headscale: exit 5 at once, no program run, no file written', async () => {
    machine = await fakeMachine();
    const s = await serve({ '/health': { status: 200, body: '{"ok":false}' } });
    const ctx = await machine.context();
    const before = await machine.tree();
    const e = await failure(clientSetup(ctx, { serverUrl: s.url, authKey: KEY }));
    expect(e.exitCode).toBe(5);
    expect(machine.calls).toEqual([]);
    expect(await machine.tree()).toEqual(before);
  });

  it('mesh client join with a key: the same exit 5, before tailscaled is started', async () => {
    machine = await fakeMachine();
    const s = await serve({ '/health': { status: 200, body: '<html>status page</html>' } });
    const ctx = await machine.context();
    const before = await machine.tree();
    const e = await failure(joinMesh(ctx, { serverUrl: s.url, authKey: KEY }));
    expect(e.exitCode).toBe(5);
    expect(e.message).toContain('does not look like Headscale');
    expect(machine.calls).toEqual([]);
    expect(await machine.tree()).toEqual(before);
  });

  it('on the server: exit 4 naming mesh server setup, before the server is asked', async () => {
    machine = await fakeMachine('server', 'hub');
    const s = await serve({ '/health': { status: 200, body: '{"status":"pass"}' } });
    const e = await failure(
      clientSetup(await machine.context(), { serverUrl: s.url, authKey: KEY }),
    );
    expect(e.kind).toBe('badInput');
    expect(e.message).toBe(
      'Client setup must not be run on the coordination server (current role: server)',
    );
    expect(e.hint).toBe(
      'run mesh server setup here instead; if this is not the server, unset MESH_ROLE',
    );
    expect(s.seen).toEqual([]);
    expect(machine.calls).toEqual([]);
  });

  it('names MESH_SERVER_HOSTNAMES when the role came from it', async () => {
    machine = await fakeMachine('', 'hub');
    const ctx = await machine.context({ MESH_SERVER_HOSTNAMES: 'hub' });
    expect(ctx.role).toBe('server');
    const e = await failure(clientSetup(ctx, { serverUrl: 'http://127.0.0.1:1', authKey: KEY }));
    expect(e.hint).toContain('remove hub from MESH_SERVER_HOSTNAMES');
  });

  it('a shared folder path that is a file: exit 4 before the server is asked', async () => {
    machine = await fakeMachine();
    const s = await serve({ '/health': { status: 200, body: '{"status":"pass"}' } });
    const file = path.join(machine.root, 'shared');
    await writeFile(file, 'x');
    const ctx = await machine.context({ MESH_SHARED_FOLDER_LINUX: file });
    const before = await machine.tree();
    const e = await failure(clientSetup(ctx, { serverUrl: s.url, authKey: KEY }));
    expect(e.exitCode).toBe(4);
    expect(e.message).toBe(
      `The shared folder ${file} (MESH_SHARED_FOLDER_LINUX) is a file, not a folder`,
    );
    expect(e.hint).toBe('set MESH_SHARED_FOLDER_LINUX to a folder, or move that file away');
    expect(s.seen).toEqual([]);
    expect(machine.calls).toEqual([]);
    expect(await machine.tree()).toEqual(before);
  });

  it('a shared folder that Syncthing has elsewhere: exit 4, and no .stignore at the new path', async () => {
    machine = await fakeMachine();
    const s = await serve({ '/health': { status: 200, body: '{"status":"pass"}' } });
    const home = path.join(machine.home, '.config', 'syncthing');
    await mkdir(home, { recursive: true });
    await writeFile(
      path.join(home, 'config.xml'),
      '<configuration version="37"><folder id="opt-shared" path="/opt/shared" type="sendreceive"></folder><gui><address>127.0.0.1:1</address><apikey>k</apikey></gui></configuration>',
    );
    const moved = path.join(machine.root, 'elsewhere');
    const ctx = await machine.context({ MESH_SHARED_FOLDER_LINUX: moved });
    const before = await machine.tree();
    const e = await failure(clientSetup(ctx, { serverUrl: s.url, authKey: KEY }));
    expect(e.exitCode).toBe(4);
    expect(e.message).toBe(
      `Syncthing's folder opt-shared already points at /opt/shared, not ${moved} (MESH_SHARED_FOLDER_LINUX)`,
    );
    expect(e.hint).toBe(
      'set MESH_SHARED_FOLDER_LINUX to /opt/shared again, or move the folder in Syncthing first',
    );
    expect(s.seen).toEqual([]);
    expect(await machine.tree()).toEqual(before);
  });
});

describe('mesh client setup says what it runs on', () => {
  it('names the distribution os-release names, not the coarse OS type', async () => {
    machine = await fakeMachine();
    await mkdir(path.join(machine.root, 'etc'), { recursive: true });
    await writeFile(
      path.join(machine.root, 'etc', 'os-release'),
      'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nID=debian\n',
    );
    const s = await serve({ '/health': { status: 200, body: '{"ok":false}' } });
    const reporter = collector();
    const ctx = { ...(await machine.context()), reporter };
    expect(ctx.platform.osType).toBe('ubuntu');
    await failure(clientSetup(ctx, { serverUrl: s.url, authKey: KEY }));
    expect(reporter.lines[0]).toBe(
      `INFO: OS: Debian GNU/Linux 12 (bookworm), role: unknown, server: ${s.url}`,
    );
  });
});
