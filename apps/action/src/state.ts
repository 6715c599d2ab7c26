import type { ContextSpec } from './context.js';
import type { ActionProtocol } from './protocol.js';

/**
 * What main leaves for post: enough to rebuild the same core context. It is written before
 * anything starts, so post can clean up after any failure, timeout or crash of main.
 */
export function saveSpec(proto: ActionProtocol, spec: ContextSpec): void {
  proto.saveState('state-dir', spec.stateDir);
  proto.saveState('hostname', spec.hostname);
  proto.saveState('userspace', String(spec.userspace));
  for (const [name, path] of Object.entries(spec.binaries)) {
    if (path) proto.saveState(`${name}-bin`, path);
  }
  if (spec.daemonPrefix && spec.daemonPrefix.length > 0) {
    proto.saveState('daemon-prefix', JSON.stringify(spec.daemonPrefix));
  }
}

/** The saved daemon prefix: a JSON array of strings, or undefined (anything else is ignored). */
function loadPrefix(text: string): string[] | undefined {
  if (text === '') return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')
      ? (v as string[])
      : undefined;
  } catch {
    return undefined;
  }
}

/** The spec main saved, or undefined when main started nothing. */
export function loadSpec(proto: ActionProtocol): ContextSpec | undefined {
  const stateDir = proto.getState('state-dir');
  if (!stateDir) return undefined;
  const binaries: ContextSpec['binaries'] = {};
  for (const name of ['tailscale', 'tailscaled', 'syncthing'] as const) {
    const path = proto.getState(`${name}-bin`);
    if (path) binaries[name] = path;
  }
  const daemonPrefix = loadPrefix(proto.getState('daemon-prefix'));
  return {
    stateDir,
    hostname: proto.getState('hostname'),
    userspace: proto.getState('userspace') === 'true',
    binaries,
    ...(daemonPrefix ? { daemonPrefix } : {}),
  };
}
