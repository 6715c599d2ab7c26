import { createMeshContext, type MeshContext } from '@mesh/core';
import type { Output } from './output/output.js';

/** Whose environment and working directory a command runs with (the agent answers others'). */
export interface Caller {
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** The core context for this machine, reporting progress through the CLI output. */
export function context(out: Output, caller?: Caller): Promise<MeshContext> {
  return createMeshContext({ reporter: out, ...caller });
}
