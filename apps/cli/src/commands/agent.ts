import path from 'node:path';
import { agentLogs, agentStatus, ExitCode, runAgent, StatusKeeper } from '@mesh/core';
import { usageError } from '../boundary.js';
import { context } from '../context.js';
import type { Output } from '../output/output.js';
import { answerStatus } from '../status-socket/answer.js';
import { serveStatus } from '../status-socket/server.js';

/**
 * `mesh agent`: runs in the foreground until SIGINT or SIGTERM (the service manager starts it).
 * One line per event, so its log reads as a history.
 */
export async function agent(_a: { json: boolean }, out: Output): Promise<number> {
  const ctx = await context(out);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const log = (text: string) => out.line(`${new Date().toISOString()} ${text}`);
  const warn = (error: unknown) =>
    log(`warning: ${error instanceof Error ? error.message : String(error)}`);
  log(`mesh agent started on ${ctx.hostname} (${ctx.role})`);
  // `mesh status` asks here first: this process has the code loaded already. Without the
  // socket every status still works, only slower, so a failure to serve it is a warning.
  // Its report is kept while fresh, so a status asked again soon is answered at once. The
  // keeper's event stream fails when the pairing watcher's does, which already says so.
  const statusSocket = path.join(ctx.paths.stateDir, 'agent.sock');
  const keeper = new StatusKeeper();
  const following = keeper.follow(ctx, { signal: stop.signal });
  const serving = serveStatus({
    socketPath: statusSocket,
    signal: stop.signal,
    answer: (request, streams) => answerStatus(request, streams, keeper),
    onError: warn,
  }).catch(warn);
  try {
    await runAgent(ctx, {
      signal: stop.signal,
      onListening: (address) => log(`vouching for this node on ${address}`),
      onServingPackages: (address) =>
        log(`offering the packages this server installed on http://${address}/`),
      onPair: (r) => {
        for (const a of r.added)
          log(`paired ${a.name} (${a.deviceId.slice(0, 7)}...) at ${a.address}`);
        for (const a of r.updated) log(`updated ${a.name} to ${a.address}`);
        for (const x of r.refused) log(`refused ${x.deviceId.slice(0, 7)}...: ${x.reason}`);
      },
      onResume: (what) => log(`resumed ${what.join(', ')}`),
      onRevive: (names) => log(`started again ${names.join(', ')}: their keeper had died`),
      onStanding: (what) => log(what),
      onForget: (d) =>
        log(`forgot ${d.name} (${d.deviceId.slice(0, 7)}...): its node left the mesh`),
      onError: warn,
    });
    await serving;
    await following;
    log('mesh agent stopped');
    return 0;
  } finally {
    stop.abort();
    keeper.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `mesh agent status`: the service, and what the agent last published (its state file). */
export async function agentStatusCommand(_a: { json: boolean }, out: Output): Promise<number> {
  const ctx = await context(out);
  const s = await agentStatus(ctx);
  out.section('Mesh Agent');
  if (!s.running) out.line(`${out.colour('red', 'FAIL:')} the mesh agent is not running`);
  else if (!s.fresh) out.warn('the agent runs, but has not reported for over 30 s');
  else out.ok('the mesh agent is running');
  const st = s.state;
  if (st) {
    out.fields([
      ['Started', st.startedAt],
      ['Last report', st.updatedAt],
      ['Memory', st.rssMiB === null ? 'unknown' : `${st.rssMiB} MiB resident`],
      ['Vouching on', st.vouchingOn ?? 'nowhere (not in the tailnet, or the port is taken)'],
      [
        'Last pairing',
        st.lastPairing
          ? `${st.lastPairing.at}: ${st.lastPairing.peers} peer(s), ${st.lastPairing.added} added, ${st.lastPairing.refused} refused`
          : 'none yet',
      ],
      [
        'Last rescan',
        st.lastScan ? `${st.lastScan.at} (${st.lastScan.paths} path(s))` : 'none yet',
      ],
      ['This node', st.tailnet ? `${st.tailnet.message} (${st.tailnet.at})` : 'not looked at yet'],
      [
        'Control server',
        st.controlServer
          ? `${st.controlServer.url} ${st.controlServer.reachable ? 'answers' : 'does not answer'} (${st.controlServer.at})`
          : 'not known',
      ],
    ]);
    if (st.tailnet && !st.tailnet.ok) out.warn(st.tailnet.message);
    for (const r of st.revived.slice(-3))
      out.info(`started again ${r.names.join(', ')} at ${r.at}`);
    for (const u of st.lastPairing?.unvouched ?? [])
      out.warn(`${u.hostname} is not paired: ${u.reason}`);
    for (const f of st.forgotten) out.info(`forgot ${f.name} at ${f.at}: its node left the mesh`);
    for (const e of st.errors.slice(-3)) out.warn(`${e.at}: ${e.message}`);
  }
  out.result({ ok: s.running && s.fresh, ...s });
  return s.running && s.fresh ? ExitCode.ok : ExitCode.unhealthy;
}

/** `mesh agent logs [-n N]`: the agent's recent log lines. */
export async function agentLogsCommand(
  a: { json: boolean; lines: number },
  out: Output,
): Promise<number> {
  if (!Number.isInteger(a.lines) || a.lines < 1) {
    throw usageError(
      `--lines must be a whole number above 0, got ${String(a.lines)}`,
      'e.g. mesh agent logs -n 200',
    );
  }
  const ctx = await context(out);
  const lines = await agentLogs(ctx, a.lines);
  for (const l of lines) out.line(l);
  out.result({ ok: true, lines });
  return ExitCode.ok;
}
