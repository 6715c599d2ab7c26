import { chmod, chown, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  checkHeadscalePolicy,
  configValueAt,
  hardenHeadscaleConfig,
  headscalePolicyOf,
  isGeneratedPolicy,
  policyTags,
  readHeadscaleConfig,
  renderHeadscalePolicy,
  resolveHeadscaleBinary,
  selfHostedNodeAttrs,
  waitForHealth,
} from '@mesh/headscale';
import { pathExists, portPlan, readIfExists, writeFileAtomic } from '@mesh/platform';
import { readSyncthingHome, type SyncthingHomeInfo } from '@mesh/syncthing-client';
import type { MeshContext } from '../context.js';
import { MeshError } from '../errors.js';
import { withMachineLock } from '../internal/machine-lock.js';
import { serviceManager } from '../internal/services.js';
import { toMeshError } from '../map-error.js';
import { underRoot } from '../paths.js';
import { VOUCH_PORT } from '../trust/protocol.js';
import { MESH_USER } from './constants.js';
import { parseTags } from './keys.js';
import {
  headscaleService,
  localHeadscale,
  requireHeadscaleConfig,
  requireServerRole,
} from './server.js';
import {
  guiOnLoopback,
  openMode,
  parseEnvFile,
  secretFiles,
  tailscaledEnvFile,
} from './status/security.js';
import { connectSyncthing, syncthingAnswers } from './syncthing.js';

/** Options of {@link hardenServer} and {@link hardenClient}. */
export interface HardenOptions {
  /** Say what would change, and change nothing. @default false */
  dryRun?: boolean;
  /** (server) More ACL tags whose nodes are members, comma-separated like keygen's `--tags`. */
  tags?: string;
}

/** What a harden command changed, or with `dryRun` would change. */
export interface HardenResult {
  side: 'server' | 'client';
  dryRun: boolean;
  changed: boolean;
  /** One line per change, in the order made. */
  changes: string[];
  /** What was looked at and left as it is, and why. */
  notes: string[];
  /** Copies of the files replaced (`FILE.mesh-bak`). */
  backups: string[];
  /** (server) The policy file Headscale reads, and the tags whose nodes it lets in. */
  policy?: { path: string; tags: string[] };
}

/**
 * TCP ports members open on each other: every role's Syncthing sync port and SSH port, and the
 * agent's vouch port. Nothing else crosses the tailnet: MagicDNS and disco pings are tailscaled's
 * own and not filtered.
 */
export const MESH_TCP_PORTS: readonly number[] = [
  ...new Set([
    VOUCH_PORT,
    ...(['server', 'wsl2', 'windows'] as const).flatMap((role) => [
      portPlan(role).syncthingSync,
      portPlan(role).ssh,
    ]),
  ]),
].sort((a, b) => a - b);

/**
 * What `mesh harden client` puts in the environment file of Tailscale's own tailscaled (the
 * package's service, which mesh uses when it already answers on the socket): what mesh's own
 * tailscaled runs with (`tailscaledLaunch`).
 */
export const TAILSCALED_HARDENED_ENV: Readonly<Record<string, string>> = {
  // No log upload to log.tailscale.com (what --no-logs-no-support sets).
  TS_NO_LOGS_NO_SUPPORT: 'true',
  // A daemon left without --login-server stops rather than register with Tailscale's servers.
  TS_PANIC_IF_HIT_MAIN_CONTROL: '1',
  // No UPnP, NAT-PMP or PCP asking the router to open a port to this machine.
  TS_DISABLE_PORTMAPPER: '1',
};

/** Where Tailscale's Linux package installs the unit that reads `/etc/default/tailscaled`. */
const TAILSCALE_PACKAGE_UNITS = [
  '/lib/systemd/system/tailscaled.service',
  '/usr/lib/systemd/system/tailscaled.service',
  '/etc/systemd/system/tailscaled.service',
];

/** Collects a harden command's changes, notes and backups. */
class Outcome {
  readonly changes: string[] = [];
  readonly notes: string[] = [];
  readonly backups: string[] = [];
  constructor(readonly dryRun: boolean) {}
  /** `past` normally, `would FUTURE` in a dry run. */
  did(past: string, future: string): string {
    return this.dryRun ? `would ${future}` : past;
  }
  change(line: string): void {
    this.changes.push(line);
  }
  note(line: string): void {
    this.notes.push(line);
  }
  backup(written: { backupPath?: string }): void {
    if (written.backupPath) this.backups.push(written.backupPath);
  }
  result(side: HardenResult['side'], extra: Partial<HardenResult> = {}): HardenResult {
    return {
      side,
      dryRun: this.dryRun,
      changed: this.changes.length > 0,
      changes: this.changes,
      notes: this.notes,
      backups: this.backups,
      ...extra,
    };
  }
}

/**
 * `mesh harden server`: Headscale reads an ACL policy file that lets the mesh's nodes reach each
 * other on the mesh's ports only, and its config has the hardened settings (no log upload, no
 * update checks, ...; see `HEADSCALE_HARDENING`). Each replaced file keeps a `.mesh-bak` copy;
 * Headscale restarts only when something changed, and the old files come back if it does not
 * come up healthy. Idempotent: a second run changes nothing.
 */
export async function hardenServer(ctx: MeshContext, o: HardenOptions = {}): Promise<HardenResult> {
  requireServerRole(ctx);
  const tags = parseTags(o.tags);
  return withMachineLock(ctx, () => hardenServerLocked(ctx, tags, new Outcome(o.dryRun === true)));
}

async function hardenServerLocked(
  ctx: MeshContext,
  extraTags: readonly string[],
  out: Outcome,
): Promise<HardenResult> {
  await requireHeadscaleConfig(ctx);
  const configPath = ctx.paths.headscale.configPath;
  const text = await readFile(configPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new MeshError(`cannot read ${configPath}: ${error.code ?? error.message}`, {
      kind: 'failure',
      cause: error,
      hint: 'run it as root (sudo mesh harden server)',
    });
  });
  const config = await readHeadscaleConfig(configPath).catch((error: unknown) => {
    throw toMeshError(error, "reading Headscale's config");
  });
  // A policy file the config already names stays where it is.
  const configured = headscalePolicyOf(config);
  const policyPath = configured.path || path.join(path.dirname(configPath), 'policy.hujson');
  const running = (await headscaleService(ctx).status()).running;

  // 1. The policy, before the config names it: Headscale does not start without the file.
  const oldPolicy = await readIfExists(policyPath).catch((error: unknown) => {
    throw toMeshError(error, 'reading the ACL policy');
  });
  let tags: string[];
  let policyChanged = false;
  // A person's own policy is theirs: used if Headscale already reads it, never switched on.
  const foreign = oldPolicy !== undefined && !isGeneratedPolicy(oldPolicy);
  const inForce = configured.mode === 'file' && configured.path === policyPath;
  if (foreign) {
    tags = policyTags(oldPolicy);
    out.note(
      inForce
        ? `${policyPath} is a policy mesh did not write: left as it is, and Headscale keeps reading it`
        : `${policyPath} is a policy mesh did not write, and Headscale does not read it: left as it is (move it aside for mesh to write its own)`,
    );
  } else {
    const inUse = running ? await tagsInUse(ctx) : undefined;
    if (inUse === undefined) {
      out.note(
        `Headscale ${running ? 'did not answer' : 'is not running'}: the tags of its keys and nodes are not looked up (give them with --tags)`,
      );
    }
    tags = [...new Set([...extraTags, ...policyTags(oldPolicy ?? ''), ...(inUse ?? [])])].sort();
    const policy = renderPolicy(tags, await nodeAttrsFor(ctx));
    if (policy !== oldPolicy) {
      await checkPolicy(ctx, policy, out);
      if (!out.dryRun) {
        const written = await writeFileAtomic(policyPath, policy, {
          mode: 0o640,
          backup: 'mesh-bak',
        }).catch((error: unknown) => {
          throw toMeshError(error, 'writing the ACL policy');
        });
        out.backup(written);
        if (!written.existed) await sameOwner(policyPath, configPath);
      }
      const members = [MESH_USER, ...tags].join(', ');
      out.change(
        `${out.did(oldPolicy === undefined ? 'wrote' : 'rewrote', oldPolicy === undefined ? 'write' : 'rewrite')} the ACL policy ${policyPath}: members (${members}) reach each other on TCP ${MESH_TCP_PORTS.join(', ')} and by ping, nothing else`,
      );
      policyChanged = true;
    }
  }

  // 2. The config: the policy file and the hardened settings, every other byte kept.
  const hardened = (() => {
    try {
      return hardenHeadscaleConfig(text, config, {
        ...(foreign && !inForce ? {} : { policyPath }),
        what: configPath,
      });
    } catch (error) {
      throw toMeshError(error, "hardening Headscale's config");
    }
  })();
  for (const b of hardened.blocked) out.note(`${b.key} left as it is: ${b.reason}`);
  const configChanged = hardened.text !== text;
  if (configChanged && !out.dryRun) {
    out.backup(
      await writeFileAtomic(configPath, hardened.text, { backup: 'mesh-bak' }).catch(
        (error: unknown) => {
          throw toMeshError(error, "writing Headscale's config");
        },
      ),
    );
  }
  for (const c of hardened.changes) {
    out.change(`${out.did('set', 'set')} ${c.key}: ${shown(c.from)} -> ${shown(c.to)} (${c.why})`);
  }

  // 3. Headscale reads both only when it starts.
  if (policyChanged || configChanged) {
    if (!running) {
      out.note(
        'Headscale is not running: it reads the hardened files when it starts (mesh doctor --fix)',
      );
    } else if (out.dryRun) {
      out.change('would restart Headscale');
    } else {
      await restartHeadscale(ctx, config, async () => {
        await writeFileAtomic(configPath, text, { backup: false });
        if (oldPolicy !== undefined)
          await writeFileAtomic(policyPath, oldPolicy, { backup: false });
      });
      out.change('restarted Headscale, which answers healthy');
    }
  }

  await tightenKeyFiles(ctx, 'server', out);
  // A person's policy that Headscale does not read is no policy of this server's.
  return out.result('server', foreign && !inForce ? {} : { policy: { path: policyPath, tags } });
}

/** The mesh policy with `tags` (what `renderHeadscalePolicy` refuses is bad input). */
function renderPolicy(tags: readonly string[], nodeAttrs: readonly string[]): string {
  try {
    return renderHeadscalePolicy({ user: MESH_USER, tags, tcpPorts: MESH_TCP_PORTS, nodeAttrs });
  } catch (error) {
    throw toMeshError(error, 'writing the ACL policy');
  }
}

/** The node attributes this Headscale (`headscale version`) can give every node. */
async function nodeAttrsFor(ctx: MeshContext): Promise<readonly string[]> {
  const version = await localHeadscale(ctx)
    .version()
    .catch((error: unknown) => {
      throw toMeshError(error, "reading Headscale's version");
    });
  return selfHostedNodeAttrs(version.version);
}

/** The ACL tags of Headscale's keys and nodes, or undefined when it does not answer. */
async function tagsInUse(ctx: MeshContext): Promise<string[] | undefined> {
  const hs = localHeadscale(ctx);
  try {
    const [keys, nodes] = await Promise.all([hs.preAuthKeys.list(), hs.nodes.list()]);
    return [...keys.flatMap((k) => k.aclTags), ...nodes.flatMap((n) => n.tags)];
  } catch {
    return undefined;
  }
}

/**
 * `headscale policy check` on the candidate, from a private temporary copy: a policy Headscale
 * rejects is never put in place (a bad policy file stops it from starting).
 */
async function checkPolicy(ctx: MeshContext, policy: string, out: Outcome): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mesh-policy-'));
  try {
    const file = path.join(dir, 'policy.hujson');
    await writeFile(file, policy, { mode: 0o600 });
    const r = await checkHeadscalePolicy(file, {
      binary: resolveHeadscaleBinary(ctx.paths.binaries.headscale),
      configPath: ctx.paths.headscale.configPath,
      socketPath: ctx.paths.headscale.socketPath,
      runner: ctx.runner,
    });
    if (!r.checked) out.note(`The policy was not checked by Headscale: ${r.reason}`);
  } catch (error) {
    throw toMeshError(error, 'checking the ACL policy');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A new file takes the owner and group of `like` (Headscale's group reads its config), as root. */
async function sameOwner(file: string, like: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const s = await stat(like);
  await chown(file, s.uid, s.gid);
}

/**
 * Restarts Headscale's service and waits for it to answer healthy; when it does not, `restore`
 * puts the previous files back and it is restarted with them before this fails.
 */
async function restartHeadscale(
  ctx: MeshContext,
  config: Record<string, unknown>,
  restore: () => Promise<void>,
): Promise<void> {
  const manager = await serviceManager(ctx);
  // The names setupServer installs it under (see headscaleServiceName in server.ts).
  const name = manager.kind === 'systemd' ? 'headscale' : 'mesh-headscale';
  const url = String(configValueAt(config, 'server_url') ?? '');
  const wait = ctx.reporter.wait('Restarting Headscale');
  try {
    await manager.restart(name);
    await waitForHealth(url, { timeout: 45_000, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    wait.done();
  } catch (error) {
    wait.fail();
    await restore();
    await manager.restart(name).catch(() => undefined);
    throw new MeshError(
      'Headscale did not come up healthy with the hardened files: the previous ones are back in place',
      {
        kind: 'failure',
        cause: error,
        hint:
          manager.kind === 'systemd'
            ? 'see why in journalctl -u headscale, then run mesh harden server again'
            : 'see why in mesh-headscale.log (mesh status names the log directory), then run it again',
      },
    );
  }
}

/** A config value as the change list shows it. */
function shown(value: unknown): string {
  return value === undefined ? '(unset)' : JSON.stringify(value);
}

/**
 * `mesh harden client`: Tailscale's own tailscaled (when installed) gets the no-log environment,
 * Syncthing's GUI answers this machine only, and the secret files are their owner's alone.
 * Replaced files keep a `.mesh-bak` copy. Idempotent: a second run changes nothing.
 */
export async function hardenClient(ctx: MeshContext, o: HardenOptions = {}): Promise<HardenResult> {
  return withMachineLock(ctx, async () => {
    const out = new Outcome(o.dryRun === true);
    await hardenTailscaledEnv(ctx, out);
    await bindSyncthingGui(ctx, out);
    await tightenKeyFiles(ctx, 'client', out);
    return out.result('client');
  });
}

/**
 * The environment file of Tailscale's own tailscaled: written only where that service exists
 * (nothing else reads the file); the service is restarted when it runs, so it reads it.
 */
async function hardenTailscaledEnv(ctx: MeshContext, out: Outcome): Promise<void> {
  const file = tailscaledEnvFile(ctx);
  const old = await readIfExists(file).catch((error: unknown) => {
    throw toMeshError(error, "reading tailscaled's environment file");
  });
  const windows = process.platform === 'win32';
  const units = TAILSCALE_PACKAGE_UNITS.map((u) => underRoot(ctx.paths.root, u));
  const applies =
    old !== undefined ||
    (windows
      ? await pathExists(path.dirname(file))
      : (await Promise.all(units.map(pathExists))).some(Boolean));
  if (!applies) {
    out.note(
      `Tailscale's own tailscaled service is not installed, so nothing reads ${file}: mesh's tailscaled runs with --no-logs-no-support`,
    );
    return;
  }
  const before = parseEnvFile(old ?? '');
  const missing = Object.entries(TAILSCALED_HARDENED_ENV).filter(([k, v]) => before[k] !== v);
  if (missing.length === 0) return;
  const text = withEnvVars(old ?? '', TAILSCALED_HARDENED_ENV);
  if (!out.dryRun) {
    out.backup(
      await writeFileAtomic(file, text, { mode: 0o644, backup: 'mesh-bak' }).catch(
        (error: unknown) => {
          throw toMeshError(error, "writing tailscaled's environment file");
        },
      ),
    );
  }
  out.change(
    `${out.did('set', 'set')} ${missing.map(([k, v]) => `${k}=${v}`).join(' ')} in ${file} (no log upload to Tailscale)`,
  );
  if (windows) {
    out.note('Restart the Tailscale service for tailscaled to read it');
    return;
  }
  const manager = await serviceManager(ctx, { privileged: true });
  if (manager.kind !== 'systemd' || !(await manager.status('tailscaled')).active) return;
  if (!out.dryRun) {
    await manager.restart('tailscaled').catch((error: unknown) => {
      throw toMeshError(error, 'restarting tailscaled');
    });
  }
  out.change(out.did('restarted tailscaled so it reads it', 'restart tailscaled so it reads it'));
}

/**
 * `text` (a `KEY=VALUE` file) with `vars` set: a line that names a key gets its value, keys it
 * lacks are added at the end under one comment; every other line stays as it is.
 */
export function withEnvVars(text: string, vars: Readonly<Record<string, string>>): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
  const seen = new Set<string>();
  const out = lines.map((line) => {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=/.exec(line);
    const key = m?.[1];
    if (key === undefined || !(key in vars)) return line;
    seen.add(key);
    return parseEnvFile(line)[key] === vars[key] ? line : `${key}=${vars[key]}`;
  });
  const added = Object.entries(vars).filter(([k]) => !seen.has(k));
  if (added.length > 0) {
    out.push(
      '# Set by mesh harden client: nothing goes to Tailscale',
      ...added.map(([k, v]) => `${k}=${v}`),
    );
  }
  return out.length === 0 ? '' : `${out.join(eol)}${eol}`;
}

/**
 * Syncthing's GUI and REST API on loopback, keeping its port: over REST when Syncthing runs (it
 * owns its config then), else in config.xml.
 */
async function bindSyncthingGui(ctx: MeshContext, out: Outcome): Promise<void> {
  let home: SyncthingHomeInfo;
  try {
    home = await readSyncthingHome(ctx.paths.syncthingHome);
  } catch {
    out.note(`Syncthing is not set up here (${ctx.paths.syncthingHome}): no GUI to bind`);
    return;
  }
  if (guiOnLoopback(home.guiAddress)) return;
  const scheme = /^https?:\/\//.exec(home.guiAddress)?.[0] ?? '';
  const port = /:(\d+)\/?$/.exec(home.guiAddress)?.[1] ?? String(ctx.ports.syncthingGui);
  const address = `${scheme}127.0.0.1:${port}`;
  const line = `${out.did('bound', 'bind')} Syncthing's GUI to ${address} (it listened on ${home.guiAddress}, where other machines reach it)`;
  if (out.dryRun) {
    out.change(line);
    return;
  }
  const st = await connectSyncthing(ctx).catch(() => undefined);
  if (st && (await syncthingAnswers(st))) {
    try {
      await st.client.config.gui.update({ address });
    } catch (error) {
      throw toMeshError(error, "binding Syncthing's GUI to loopback");
    }
  } else {
    const xml = await readFile(home.configPath, 'utf8');
    const edited = withGuiAddress(xml, address);
    if (edited === undefined) {
      out.note(`${home.configPath} has no <address> in <gui>: set it to ${address} by hand`);
      return;
    }
    out.backup(
      await writeFileAtomic(home.configPath, edited, { backup: 'mesh-bak' }).catch(
        (error: unknown) => {
          throw toMeshError(error, "writing Syncthing's config");
        },
      ),
    );
  }
  out.change(line);
}

/** config.xml with the `<address>` of its `<gui>` set; undefined when there is none. */
export function withGuiAddress(xml: string, address: string): string | undefined {
  const m = /(<gui\b[^>]*>(?:(?!<\/gui>)[\s\S])*?<address>)[^<]*(<\/address>)/.exec(xml);
  if (!m) return undefined;
  const escaped = address.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return xml.slice(0, m.index) + m[1] + escaped + m[2] + xml.slice(m.index + m[0].length);
}

/** Secret files of one side that others than their owner may use: mode 0600. */
async function tightenKeyFiles(
  ctx: MeshContext,
  side: 'server' | 'client',
  out: Outcome,
): Promise<void> {
  for (const f of (await secretFiles(ctx)).filter((s) => s.side === side)) {
    const mode = await openMode(f.path);
    if (mode === undefined) continue;
    const line = `${out.did('made', 'make')} ${f.path} (${f.what}) its owner's alone: mode ${mode.toString(8).padStart(4, '0')} -> 0600`;
    if (!out.dryRun) {
      try {
        await chmod(f.path, 0o600);
      } catch (error) {
        out.note(
          `could not chmod 600 ${f.path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
        );
        continue;
      }
    }
    out.change(line);
  }
}
