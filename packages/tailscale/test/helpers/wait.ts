/** Polls `check` until it returns true, with backoff, or throws after `timeoutMs`. */
export async function waitUntil(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  let delay = 50;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 1_000);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
