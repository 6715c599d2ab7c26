import { isFallbackHint } from '@mesh/errors';
import { isMeshError, MeshError, type MeshErrorKind } from './errors.js';

/** The fields of a library error that can change its kind. */
interface LibraryErrorFields {
  status?: unknown;
  cause?: unknown;
}

/** How one library error class becomes a {@link MeshError}. */
export interface ErrorMapping {
  /** The kind, or a function choosing it from the error's fields. */
  kind: MeshErrorKind | ((error: LibraryErrorFields) => MeshErrorKind);
  /** Used when the error's own hint is the contract's fallback. @default the kind's generic hint */
  hint?: string;
}

const CANCELLED = {
  kind: 'failure',
  hint: 'the operation was cancelled; run the command again when ready',
} as const satisfies ErrorMapping;

const statusOf = (e: LibraryErrorFields) => (typeof e.status === 'number' ? e.status : undefined);

/**
 * A 4xx answer refused what Mesh sent, which comes from the user's input or configuration; any
 * other bad answer means the service itself is not working.
 */
const byStatus =
  (unavailable: MeshErrorKind) =>
  (e: LibraryErrorFields): MeshErrorKind => {
    const status = statusOf(e);
    return status !== undefined && status >= 400 && status < 500 ? 'badInput' : unavailable;
  };

// Library errors are recognised by `name`, not `instanceof`: the CLI bundle and a consumer's
// node_modules may hold different copies of a library, and names are part of each library's API.
// map-error.test.ts fails when a library exports an error class this table lacks. `failure` (exit
// 1) is kept for base classes, cancellations and commands that failed for a reason the library
// could not classify: no more specific exit code would be true for them.
export const LIBRARY_ERRORS: Readonly<Record<string, ErrorMapping>> = {
  // @mesh/headscale
  HeadscaleError: { kind: 'failure' },
  HeadscaleAuthError: { kind: 'authRejected' },
  HeadscaleConnectionError: { kind: 'serverUnreachable' },
  HeadscaleTimeoutError: { kind: 'serverUnreachable' },
  HeadscaleAbortError: CANCELLED,
  HeadscaleNotFoundError: { kind: 'badInput' },
  // The server runs a Headscale too old for the call: fixed by upgrading it, not by retrying.
  HeadscaleUnsupportedError: { kind: 'badInput' },
  HeadscaleConfigError: { kind: 'badInput' },
  // A cause of RunError means the headscale program could not be started at all.
  HeadscaleCommandError: {
    kind: (e) =>
      (e.cause as { name?: unknown } | undefined)?.name === 'RunError' ? 'badInput' : 'failure',
  },
  // Not JSON, the wrong shape, or a 5xx: whatever answers at that URL is not a working Headscale.
  HeadscaleApiError: { kind: byStatus('serverUnreachable') },

  // @mesh/tailscale
  TailscaleError: { kind: 'failure' },
  TailscaleDaemonUnreachableError: { kind: 'serviceDown' },
  // 403 is a permission problem (not root, not the operator), as EACCES is.
  TailscaleLocalApiError: {
    kind: (e) => (statusOf(e) === 403 ? 'failure' : byStatus('serviceDown')(e)),
  },
  TailscaleSchemaError: { kind: 'serviceDown' },
  TailscaleCommandError: { kind: 'failure' },
  TailscaleControlUnreachableError: { kind: 'serverUnreachable' },
  TailscaleAuthKeyError: { kind: 'authRejected' },
  TailscaleTimeoutError: { kind: 'serviceDown' },
  TailscaleAbortError: CANCELLED,

  // @mesh/syncthing-client
  SyncthingError: { kind: 'failure' },
  SyncthingHttpError: { kind: byStatus('serviceDown') },
  SyncthingAuthError: {
    kind: 'badInput',
    hint: "check that MESH_SYNCTHING_HOME is the running Syncthing's home (config.xml has the key)",
  },
  SyncthingNotFoundError: { kind: 'badInput', hint: 'check the folder or device ID' },
  SyncthingConnectionError: { kind: 'serviceDown' },
  SyncthingTimeoutError: { kind: 'serviceDown' },
  SyncthingAbortError: CANCELLED,
  SyncthingInvalidResponseError: {
    kind: 'serviceDown',
    hint: 'check that Syncthing (not another program) answers at its GUI address',
  },
  SyncthingUnsupportedError: { kind: 'badInput' },
  SyncthingDeviceIdError: { kind: 'badInput' },

  // @mesh/platform
  PlatformError: { kind: 'failure' },
  PlatformConfigError: { kind: 'badInput' },
  // An errno in the cause is an I/O failure (permissions, full disk); without one the content
  // of the file is wrong.
  FileEditError: {
    kind: (e) =>
      typeof (e.cause as { code?: unknown } | undefined)?.code === 'string'
        ? 'failure'
        : 'badInput',
    hint: 'check the file named in the message: its permissions and its contents',
  },
  CommandFailedError: {
    kind: 'failure',
    hint: 'the message ends with what the command printed; --debug shows all of it',
  },
  // A local program (a package manager, systemctl, sshd -t) hung: nothing more specific is true.
  PlatformTimeoutError: {
    kind: 'failure',
    hint: 'the program did not finish in time; run the command again, or --debug to see which',
  },
  PlatformAbortError: CANCELLED,
  UnsupportedPlatformError: { kind: 'badInput' },
  ServiceError: { kind: 'serviceDown' },
  SshdConfigError: {
    kind: 'badInput',
    hint: 'fix the sshd configuration (sshd -t shows the problem), then run the command again',
  },
  PathConversionError: { kind: 'badInput' },
  // The program is not installed or not executable: "programs still missing" is bad input.
  RunError: { kind: 'badInput' },
};

interface HasHint extends LibraryErrorFields {
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
  const mapping = Object.hasOwn(LIBRARY_ERRORS, e.name) ? LIBRARY_ERRORS[e.name] : undefined;
  const kind =
    (typeof mapping?.kind === 'function' ? mapping.kind(e) : mapping?.kind) ??
    nodeErrorKind(error) ??
    'failure';
  const prefix = context ? `${context}: ` : '';
  const hint = isFallbackHint(e.hint) ? mapping?.hint : (e.hint as string);
  return new MeshError(`${prefix}${e.message}`, {
    cause: error,
    ...(hint === undefined ? {} : { hint }),
    kind,
  });
}

function nodeErrorKind(error: unknown): MeshErrorKind | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH') {
    return 'serverUnreachable';
  }
  if (code === 'EACCES' || code === 'EPERM') return 'failure';
  return undefined;
}
