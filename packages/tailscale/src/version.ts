/**
 * The `X.Y.Z` release from the first line of `tailscale version` or `tailscaled --version`
 * (`1.98.10`; `1.99.0` from `1.99.0-dev…`; a leading `v` is dropped), or undefined when that
 * line holds no version. Later lines (`long version:`, `go version:`) are ignored.
 */
export function parseTailscaleVersion(output: string): string | undefined {
  const first = output.split('\n')[0]?.trim() ?? '';
  return /^v?(\d+\.\d+\.\d+)(?:[-+\s]|$)/.exec(first)?.[1];
}
