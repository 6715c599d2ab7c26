import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describeLab, Lab, type LabHost, waitFor } from '@mesh/lab';
import { trackFailures } from '@mesh/test-utils';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { missingCoreExports } from '../src/core.js';
import { errorLines, labJob, type StepResult } from './lab-job.js';

/** The built `mesh` CLI: the server side of these tests is a real `mesh` server. */
const CLI = join(import.meta.dirname, '../../cli/dist/mesh.cjs');

/** What makes a lab host look like its own machine to `mesh` (as apps/cli/test/lab-helpers.ts). */
function meshEnv(host: LabHost): Record<string, string> {
  return {
    MESH_ROOT: host.root,
    MESH_HOSTNAME: host.name,
    MESH_SERVER_HOSTNAMES: 'server',
    MESH_ROLE: 'server',
    MESH_SYNCTHING_BIN: '/usr/bin/syncthing',
    NO_COLOR: '1',
    MESH_AUTH_KEY: '',
    MESH_SERVER_URL: '',
  };
}

// `mesh server nodes list --json` (core's NodeSummary).
const nodeList = z.object({
  nodes: z.array(z.object({ id: z.string(), name: z.string(), ips: z.array(z.string()) })),
});

/**
 * A lab test that needs these core functions. Until core exports them the test is skipped
 * loudly, or fails where the lab is required (CI): without them the action cannot work.
 */
function needs(names: Parameters<typeof missingCoreExports>[1]) {
  const missing = missingCoreExports(undefined, names);
  if (missing.length === 0) return it;
  const why = `@mesh/core does not export ${missing.join(', ')} yet`;
  if (process.env['MESH_REQUIRE_LAB'] === '1') {
    return ((title: string) =>
      it(title, () => {
        throw new Error(why);
      })) as unknown as typeof it;
  }
  console.warn(`[action] SKIPPING lab test(s) needing ${missing.join(', ')}: ${why}`);
  return it.skip;
}
const JOIN = ['createMeshContext', 'joinMesh'] as const;
const CLEANUP = ['leaveMesh', 'stopMeshDaemons'] as const;

/** tailscaled's pid, from the pid file core's supervisor keeps in the job's state dir. */
function tailscaledPid(stateDir: string): number | undefined {
  const file = join(stateDir, 'state', 'mesh', 'services', 'mesh-tailscaled.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/** Is a process alive? (Lab namespaces share the PID namespace with the test.) */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Nothing secret in anything the step printed or wrote. */
function expectNoLeak(r: StepResult, secret: string) {
  // The one allowed place is the add-mask command itself, which the runner swallows.
  const stdout = r.stdout.replace(`::add-mask::${secret}\n`, '');
  expect(stdout).not.toContain(secret);
  expect(r.stderr).not.toContain(secret);
  expect(r.files).not.toContain(secret);
}

const suite = () => {
  let lab: Lab;
  const failures = trackFailures();
  let serverUrl: string;
  let serverIp: string;
  const mesh = async (args: string[], timeout = 180_000) => {
    const server = lab.host('server');
    const r = await server.runner.run(process.execPath, [CLI, ...args], {
      timeout,
      env: meshEnv(server),
    });
    expect(r.exitCode, `mesh ${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
    return r;
  };
  const nodes = async () =>
    nodeList.parse(JSON.parse((await mesh(['server', 'nodes', 'list', '--json'])).stdout)).nodes;
  /** A one-use ephemeral key, as a CI secret would hold it. */
  const ephemeralKey = async () => {
    const r = await mesh(['server', 'keygen', '--ephemeral', '--no-reusable', '--json']);
    const keyFile = z.object({ keyFile: z.string() }).parse(JSON.parse(r.stdout)).keyFile;
    return readFileSync(keyFile, 'utf8').trim();
  };
  const removeNode = async (name: string) => {
    for (const n of await nodes())
      if (n.name === name) await mesh(['server', 'nodes', 'remove', n.id, '--yes']);
  };

  beforeAll(async () => {
    if (!existsSync(CLI))
      throw new Error(`${CLI} is missing: run pnpm --filter @mesh/cli build first`);
    // 'server' is a real mesh server set up by the built CLI (Headscale, its own tailnet node,
    // Syncthing with opt-shared, and the mesh agent that pairs every node its agent vouches for);
    // 'ci' is a bare host playing the runner: the action brings its own tailscaled and Syncthing.
    lab = await Lab.up({
      hosts: ['server', 'ci'],
      headscale: false,
      tailscale: false,
      syncthing: false,
      // Tailscale's release package for a runner without it, served inside the lab network.
      packageSource: true,
    });
    const setup = z
      .object({ serverUrl: z.string(), tailnetIp: z.string() })
      .parse(JSON.parse((await mesh(['server', 'setup', '--json'])).stdout));
    serverUrl = setup.serverUrl;
    serverIp = setup.tailnetIp;
    const server = lab.host('server');
    writeFileSync(join(server.root, 'opt', 'shared', 'hello.txt'), 'from the server\n');
  }, 240_000);
  afterAll(async () => {
    await lab?.down({ keepLogs: lab?.failed || failures.any });
  }, 60_000);

  needs(JOIN)('joins with an ephemeral key; the outputs hold the IP Headscale lists', async () => {
    const key = await ephemeralKey();
    const job = labJob(lab.host('ci'), 'join', {
      server: serverUrl,
      key,
      hostname: 'gha-runner',
      timeout: '90s',
    });
    const main = await job.main();
    try {
      expect(main.exitCode, main.stdout + main.stderr).toBe(0);
      expect(main.stdout.split('\n')[0]).toBe(`::add-mask::${key}`);
      expectNoLeak(main, key);
      expect(errorLines(main.stdout)).toEqual([]);
      const node = (await nodes()).find((n) => n.name === 'gha-runner');
      expect(node, 'headscale lists the runner').toBeDefined();
      expect(node?.ips ?? []).toContain(main.outputs['ip']);
      expect(main.outputs['hostname']).toBe('gha-runner');
    } finally {
      const post = await job.post();
      expectNoLeak(post, key);
      expect(post.exitCode).toBe(0);
      expect(existsSync(join(job.dir, 'mesh-action'))).toBe(false);
      // Whatever core could not do, make sure the next test starts clean.
      await removeNode('gha-runner');
    }
  });

  needs([...JOIN, 'waitForPeers', ...CLEANUP])(
    'waits for a real peer, and post logs out so Headscale drops the ephemeral node',
    async () => {
      const key = await ephemeralKey();
      const job = labJob(lab.host('ci'), 'ping', {
        server: serverUrl,
        key,
        hostname: 'gha-ping',
        ping: serverIp,
        timeout: '90s',
      });
      const main = await job.main();
      expect(main.exitCode, main.stdout + main.stderr).toBe(0);
      expect(main.stdout).toContain(`${serverIp} answered`);
      const node = (await nodes()).find((n) => n.name === 'gha-ping');
      expect(main.outputs).toMatchObject({ 'node-id': String(node?.id) });
      expect(main.outputs['ipv6']).toMatch(/^fd7a:/);
      const pid = tailscaledPid(join(job.dir, 'mesh-action'));
      expect(pid && alive(pid)).toBe(true);

      const post = await job.post();
      expect(post.exitCode, post.stdout + post.stderr).toBe(0);
      expectNoLeak(post, key);
      expect(post.stdout).not.toContain('::warning::');
      await waitFor(
        'headscale to drop the ephemeral node',
        async () => ((await nodes()).some((n) => n.name === 'gha-ping') ? undefined : true),
        { timeout: 20_000 },
      );
      expect(alive(pid as number)).toBe(false);
      expect(existsSync(join(job.dir, 'mesh-action'))).toBe(false);
    },
  );

  needs([...JOIN, ...CLEANUP])(
    'a runner without Tailscale: installed from the package source into RUNNER_TOOL_CACHE, checksum verified; the next job downloads nothing',
    async () => {
      const ci = lab.host('ci');
      const toolCache = join(ci.root, 'toolcache');
      const sourceLog = join(lab.host('server').logs, 'package-source.log');
      const downloads = () =>
        readFileSync(sourceLog, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('GET '));
      // Neither Mesh's pinned builds (none under this host's root) nor PATH have Tailscale.
      const runner = {
        RUNNER_TOOL_CACHE: toolCache,
        MESH_TAILSCALE_BIN: '',
        MESH_TAILSCALED_BIN: '',
        PATH: `${dirname(process.execPath)}:/usr/sbin:/usr/bin:/sbin:/bin`,
      };
      const entry = join(toolCache, 'tailscale', '1.98.10', process.arch);
      for (const [n, what] of [
        [1, 'installs'],
        [2, 'finds it in the cache'],
      ] as const) {
        const before = downloads();
        const key = await ephemeralKey();
        const job = labJob(
          ci,
          `install-${n}`,
          {
            server: serverUrl,
            key,
            hostname: `gha-install-${n}`,
            timeout: '90s',
            'tailscale-packages-url': lab.packageSource.tailscaleUrl,
          },
          runner,
        );
        const main = await job.main();
        try {
          expect(main.exitCode, `${what}: ${main.stdout}${main.stderr}`).toBe(0);
          expectNoLeak(main, key);
          expect(main.outputs['ip'], what).toMatch(/^100\./);
          const fetched = downloads().slice(before.length);
          if (n === 1) {
            expect(fetched).toEqual([
              'GET /tailscale/stable/tailscale_1.98.10_amd64.tgz.sha256 200',
              'GET /tailscale/stable/tailscale_1.98.10_amd64.tgz 200',
            ]);
          } else {
            expect(fetched, what).toEqual([]);
          }
          expect(existsSync(join(entry, 'tailscaled'))).toBe(true);
          expect(existsSync(`${entry}.complete`)).toBe(true);
        } finally {
          const post = await job.post();
          expect(post.exitCode, post.stdout + post.stderr).toBe(0);
          await removeNode(`gha-install-${n}`);
        }
      }
    },
  );

  needs(JOIN).each([
    ['a rejected key', { key: 'hskey-auth-NotARealKey00-0123456789abcdef0123456789abcdef' }],
    // An address on the lab bridge nobody answers: traffic stays in the lab.
    ['an unreachable server', { server: 'http://10.99.0.250:8080' }],
  ] as [string, { key?: string; server?: string }][])(
    'fails on %s with one error line within timeout, and post cleans up',
    async (what, bad) => {
      const key = bad.key ?? (await ephemeralKey());
      const job = labJob(lab.host('ci'), `fail-${Object.keys(bad)[0]}`, {
        server: bad.server ?? serverUrl,
        key,
        hostname: 'gha-bad',
        timeout: '20s',
        retry: '1',
      });
      // The step must end by itself near `timeout`; the runner bound here only catches a hang.
      const main = await job.main(60_000);
      // The one line a user sees; printed so a run shows what the error looks like.
      console.warn(`[action] ${what}: ${errorLines(main.stdout).join(' | ')}`);
      expect(main.exitCode).toBe(1);
      expectNoLeak(main, key);
      const errors = errorLines(main.stdout);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^::error::mesh: join failed: /);
      expect(main.outputs).toEqual({});

      const pid = tailscaledPid(join(job.dir, 'mesh-action'));
      const post = await job.post();
      expect(post.exitCode).toBe(0);
      expectNoLeak(post, key);
      if (pid) expect(alive(pid)).toBe(false);
      expect(existsSync(join(job.dir, 'mesh-action'))).toBe(false);
      expect((await nodes()).some((n) => n.name === 'gha-bad')).toBe(false);
    },
  );

  needs([...JOIN, 'syncFolder', ...CLEANUP])(
    'with syncthing: true, a file from the server folder is there when main finishes',
    async () => {
      // The server shares opt-shared (holding hello.txt) and runs the mesh agent: it accepts
      // the runner's Syncthing because the runner is a node of its Headscale and vouches for
      // that device on its tailnet IP while main runs. No API key crosses over.
      const key = await ephemeralKey();
      const job = labJob(lab.host('ci'), 'sync', {
        server: serverUrl,
        key,
        hostname: 'gha-sync',
        timeout: '120s',
        syncthing: 'true',
      });
      try {
        const main = await job.main(180_000);
        expect(main.exitCode, main.stdout + main.stderr).toBe(0);
        expectNoLeak(main, key);
        expect(main.outputs['device-id']).toMatch(/^[A-Z0-9]{7}(-[A-Z0-9]{7}){7}$/);
        const local = main.outputs['folder-path'] as string;
        expect(readFileSync(join(local, 'hello.txt'), 'utf8')).toBe('from the server\n');
      } finally {
        const post = await job.post();
        expect(post.exitCode).toBe(0);
        expect(post.stdout).not.toContain('::warning::');
      }
    },
    300_000,
  );
};

describeLab('action in the lab (built dist/, a real mesh server)', suite);
