/** Options for {@link tailscaleUpArgs}. */
export interface TailscaleUpArgsOptions {
  /** e.g. `http://10.99.0.1:8080`: always an explicit IP literal in the lab. */
  loginServer: string;
  /** 0600 file holding the pre-auth key; the key itself never goes on the command line. */
  keyFile: string;
  hostname: string;
  /** Bound for `up` itself (rounded up to whole seconds). */
  timeoutMs: number;
}

/**
 * Arguments after `tailscale --socket=S` that join a lab node: key from a file, no netfilter
 * rules (nothing to protect in a namespace; avoids iptables churn), no DNS takeover (the
 * namespace shares the host's /etc/resolv.conf).
 */
export function tailscaleUpArgs(o: TailscaleUpArgsOptions): string[] {
  return [
    'up',
    `--login-server=${o.loginServer}`,
    `--auth-key=file:${o.keyFile}`,
    `--hostname=${o.hostname}`,
    '--netfilter-mode=off',
    '--accept-dns=false',
    `--timeout=${Math.ceil(o.timeoutMs / 1000)}s`,
  ];
}
