import type { LabProgram } from './binaries.js';
import type { LabOptions } from './lab-options.js';
import type { LabProcess, ProcessExit } from './process.js';

/**
 * What a lab's hosts and daemons need of the `Lab` that owns them. The registries are the
 * lab's own, so `state()`, `detach()` and `down()` see every process and forward they start.
 */
export interface LabContext {
  readonly id: string;
  /** Temp directory holding every host's root. */
  readonly root: string;
  readonly options: LabOptions;
  readonly processes: LabProcess[];
  /** Keyed `host/addr:port`, so each port is forwarded once however often it is asked for. */
  readonly forwards: Map<string, Promise<string>>;
  binary(program: LabProgram): string;
  /** Given to every wait, so aborting the lab's signal ends whichever one is running. */
  waitOptions(): { signal?: AbortSignal };
  onUnexpectedExit(proc: LabProcess, exit: ProcessExit): void;
}
