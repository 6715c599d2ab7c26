import { isMeshError, MeshError, type MeshErrorKind } from './errors.js';

// Library errors are recognised by `name`, not `instanceof`: the CLI bundle and a consumer's
// node_modules may hold different copies of a library, and names are part of each library's API.
const KIND_BY_NAME: Record<string, MeshErrorKind> = {
  HeadscaleConnectionError: 'serverUnreachable',
  HeadscaleAuthError: 'authRejected',
  HeadscaleConfigError: 'badInput',
  HeadscaleNotFoundError: 'badInput',
  TailscaleControlUnreachableError: 'serverUnreachable',
  TailscaleAuthKeyError: 'authRejected',
  TailscaleDaemonUnreachableError: 'serviceDown',
  SyncthingConnectionError: 'serviceDown',
  SyncthingAuthError: 'badInput',
  PlatformConfigError: 'badInput',
  UnsupportedPlatformError: 'badInput',
  PathConversionError: 'badInput',
};

interface HasHint {
  name: string;
  message: string;
  hint?: unknown;
}

function describe(error: unknown): HasHint {
  if (error instanceof Error) return error as HasHint;
  return { name: 'Error', message: String(error) };
}

/**
 * Turns anything thrown by a library (or by Node) into a {@link MeshError} with a one-line
 * message, the library's hint when it has one, and the kind that decides the exit code.
 * `context` says what Mesh was doing, e.g. `joining the tailnet`.
 */
export function toMeshError(error: unknown, context?: string): MeshError {
  if (isMeshError(error)) return error;
  const e = describe(error);
  const kind = KIND_BY_NAME[e.name] ?? nodeErrorKind(error) ?? 'failure';
  const prefix = context ? `${context}: ` : '';
  const hint = typeof e.hint === 'string' && e.hint !== '' ? e.hint : defaultHint(kind);
  return new MeshError(`${prefix}${e.message}`, { cause: error, hint, kind });
}

function nodeErrorKind(error: unknown): MeshErrorKind | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH') {
    return 'serverUnreachable';
  }
  if (code === 'EACCES' || code === 'EPERM') return 'failure';
  return undefined;
}

function defaultHint(kind: MeshErrorKind): string {
  switch (kind) {
    case 'serverUnreachable':
      return 'check the server URL and that Headscale is running (mesh server status on the server)';
    case 'authRejected':
      return 'create a new key on the server with: mesh server keygen';
    case 'serviceDown':
      return 'start the service, then run the command again (mesh status shows what is down)';
    case 'badInput':
      return 'check the value and run the command again';
    default:
      return 'run again with --debug for details';
  }
}
