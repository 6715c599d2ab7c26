import { describe, expect, expectTypeOf, it } from 'vitest';
import type * as z from 'zod/mini';
import { ExitCode, MeshError, type MeshErrorKind } from '../errors.js';
import type { ProvisionOutcome } from '../remote/provision.js';
import type { ClientStep } from '../steps/client-plan.js';
import type { ConflictKeep } from '../steps/conflicts.js';
import type { HardenResult } from '../steps/harden.js';
import type { MachineStepResult } from '../steps/machine-step.js';
import type { NodeAction } from '../steps/nodes.js';
import type { SetupServerResult } from '../steps/server.js';
import type { PeerReport, StatusCheck } from '../steps/status/types.js';
import { errorDocumentSchema, type JsonCommand, jsonSchemas } from './documents.js';

interface Def {
  type: string;
  shape?: Record<string, { _zod: { def: Def } }>;
  innerType?: { _zod: { def: Def } };
  element?: { _zod: { def: Def } };
  options?: Array<{ _zod: { def: Def } }>;
  valueType?: { _zod: { def: Def } };
}

/** Every `[key, type]` of a schema, at any depth (`a.b[].c`). */
function fields(def: Def, at = ''): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  const inner = (d: Def, path: string): void => {
    if (d.shape) {
      for (const [k, v] of Object.entries(d.shape)) {
        const leaf = unwrap(v._zod.def);
        found.push([`${path}${k}`, leaf.type]);
        inner(v._zod.def, `${path}${k}.`);
      }
    }
    for (const next of [d.innerType, d.element, d.valueType]) if (next) inner(next._zod.def, path);
    for (const o of d.options ?? []) inner(o._zod.def, path);
  };
  inner(def, at);
  return found;
}

function unwrap(def: Def): Def {
  return def.innerType ? unwrap(def.innerType._zod.def) : def;
}

const defOf = (schema: unknown) => (schema as { _zod: { def: Def } })._zod.def;

describe('the --json contract', () => {
  const commands = Object.keys(jsonSchemas) as JsonCommand[];

  it('every document says ok', () => {
    for (const c of commands) {
      const def = defOf(jsonSchemas[c]);
      for (const d of def.options ? def.options.map((o) => o._zod.def) : [def]) {
        expect(d.shape?.['ok']?._zod.def.type, c).toBe('boolean');
      }
    }
  });

  it('no document has a field for a secret: a key is a file path or a fingerprint', () => {
    const secret = /^(key|authKey|apiKey|preAuthKey|privateKey|password|secret|token)$/i;
    for (const c of [...commands, 'error'] as const) {
      const schema = c === 'error' ? errorDocumentSchema : jsonSchemas[c];
      for (const [path, type] of fields(defOf(schema))) {
        const name = path.split('.').pop() ?? '';
        if (secret.test(name)) expect(`${c}: ${path} is a ${type}`).toMatch(/ is a object$/);
      }
    }
    // The one key field that is there: an SSH public key's type, fingerprint and comment.
    expect(fields(defOf(jsonSchemas.sshAddKey)).map(([p]) => p)).toEqual(
      expect.arrayContaining(['key.type', 'key.fingerprint', 'key.comment']),
    );
  });

  it('the error document: every kind of MeshError, with its exit code', () => {
    const kinds = Object.keys(ExitCode).filter((k) => k !== 'ok') as MeshErrorKind[];
    for (const kind of kinds) {
      const error = new MeshError('it failed', { kind, hint: 'do this' });
      const doc = JSON.parse(JSON.stringify({ ok: false, error: error.toJSON() }));
      expect(errorDocumentSchema.parse(doc)).toEqual(doc);
      expect(doc.error.exitCode).toBe(ExitCode[kind]);
    }
    expect(errorDocumentSchema.safeParse({ ok: true, error: {} }).success).toBe(false);
  });

  it('its enums list exactly the values of the core types they mirror', () => {
    type Doc<C extends JsonCommand> = z.output<(typeof jsonSchemas)[C]>;
    type Check = Doc<'status'>['checks'][number];
    expectTypeOf<Check['section']>().toEqualTypeOf<StatusCheck['section']>();
    expectTypeOf<Check['level']>().toEqualTypeOf<StatusCheck['level']>();
    expectTypeOf<Doc<'status'>['tailscale']['peers'][number]['path']>().toEqualTypeOf<
      PeerReport['path']
    >();
    expectTypeOf<Doc<'clientSetup'>['steps'][number]['id']>().toEqualTypeOf<ClientStep['id']>();
    expectTypeOf<Doc<'clientSetup'>['machine'][number]['status']>().toEqualTypeOf<
      MachineStepResult['status']
    >();
    expectTypeOf<Doc<'serverSetup'>['database']>().toEqualTypeOf<SetupServerResult['database']>();
    expectTypeOf<Doc<'serverSetup'>['service']>().toEqualTypeOf<SetupServerResult['service']>();
    expectTypeOf<Doc<'nodesAction'>['action']>().toEqualTypeOf<NodeAction>();
    expectTypeOf<Doc<'remoteProvision'>['outcome']>().toEqualTypeOf<ProvisionOutcome>();
    expectTypeOf<Doc<'conflictsResolve'>['keep']>().toEqualTypeOf<ConflictKeep>();
    expectTypeOf<Doc<'harden'>['side']>().toEqualTypeOf<HardenResult['side']>();
    expectTypeOf<
      z.output<typeof errorDocumentSchema>['error']['kind']
    >().toEqualTypeOf<MeshErrorKind>();
  });
});
