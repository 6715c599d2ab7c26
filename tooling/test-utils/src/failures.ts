import { beforeEach } from 'vitest';

/**
 * Remembers whether any test of the calling file failed, retried ones included: a lab torn down
 * after one keeps its logs (`lab.down({ keepLogs: failures.any })`), or a failure in CI leaves
 * nothing to read.
 */
export function trackFailures(): { readonly any: boolean } {
  const state = { any: false };
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      state.any = true;
    });
  });
  return state;
}
