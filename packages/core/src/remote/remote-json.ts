import * as z from 'zod/mini';

// What provisioning reads from the remote mesh's `--json` documents: only these fields, checked;
// the rest of each document is that mesh's own business (it may be another version).
const remoteStatus = z.looseObject({
  healthy: z.boolean(),
  tailscale: z.optional(z.looseObject({ ip: z.nullish(z.string()) })),
});
const remotePorts = z.looseObject({ role: z.optional(z.string()) });
const remoteSetup = z.looseObject({ changes: z._default(z.array(z.string()), []) });

/** Parses a remote mesh's JSON document; undefined when it is not JSON or not that shape. */
function parse<T>(schema: z.ZodMiniType<T>, text: string): T | undefined {
  try {
    const r = schema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export const readRemoteStatus = (text: string) => parse(remoteStatus, text);
export const readRemotePorts = (text: string) => parse(remotePorts, text);
export const readRemoteSetup = (text: string) => parse(remoteSetup, text);
