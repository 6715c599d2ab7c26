/** What a long-running service is: the program and how it is kept alive. */
export interface ServiceSpec {
  /** Unit / service name without suffix, for example `mesh-syncthing`. */
  name: string;
  /** One line shown by status tools. */
  description: string;
  /** The program and its arguments (absolute program path). */
  exec: readonly string[];
  /** Extra environment (not for secrets: use `environmentFile`). */
  env?: Readonly<Record<string, string>>;
  /** A file of `KEY=VALUE` lines (mode 0600) for secrets; systemd only. */
  environmentFile?: string;
  workingDirectory?: string;
  /** Run as this user (system units only). */
  user?: string;
  /** Run with this group (system units only). @default the user's primary group */
  group?: string;
  /**
   * Files and directories the service's user must read while root keeps them (a config file
   * and its directory): given to the service's group, `g+rX`. System units with a user only;
   * the paths in `hardening.readWritePaths` are given to the user outright.
   */
  readable?: readonly string[];
  /** Signal `systemctl reload` sends to the main process (systemd `ExecReload=/bin/kill -SIG $MAINPID`). */
  reloadSignal?: 'HUP' | 'USR1' | 'USR2';
  /**
   * systemd sandboxing (system units only; ignored by other managers): the file system read-only
   * except `readWritePaths`, no new privileges, private /tmp, protected kernel and home, umask 0077.
   */
  hardening?: ServiceHardening;
  /** @default 'on-failure' */
  restart?: 'always' | 'on-failure' | 'no';
  /** Seconds between restarts (systemd `RestartSec`). @default 5 */
  restartSec?: number;
  /** Units to start after (systemd `After=`/`Wants=`). @default ['network-online.target'] for system units */
  after?: readonly string[];
}

/** A service's state, as far as the manager can tell. */
export interface ServiceStatus {
  name: string;
  /** Whether it is installed (unit file / spec present). */
  installed: boolean;
  /** Whether it is running now. */
  active: boolean;
  /** Whether it starts at boot / logon. */
  enabled: boolean;
  /** Main process id, when running. */
  pid?: number;
  /** The manager's own word for the state (`active (running)`, `failed`, `Running`...). */
  detail: string;
}

/** One interface over systemd (system and user), a supervised process, and Windows. */
export interface ServiceManager {
  readonly kind: 'systemd' | 'systemd-user' | 'supervised' | 'windows';
  /** Writes the unit/spec; reports whether anything changed. Does not start it. */
  install(spec: ServiceSpec): Promise<{ changed: boolean; path?: string }>;
  enable(name: string): Promise<void>;
  /** Not started at boot (or logon) any more; a running one keeps running. */
  disable(name: string): Promise<void>;
  start(name: string): Promise<void>;
  stop(name: string): Promise<void>;
  restart(name: string): Promise<void>;
  /**
   * Stops it and removes its definition, so it is as if never installed; the program's own
   * files and its log stay. Nothing to do for one that is not installed.
   */
  uninstall(name: string): Promise<void>;
  status(name: string): Promise<ServiceStatus>;
  /** The last `lines` lines of its log. */
  logs(name: string, options?: { lines?: number }): Promise<string>;
}

/** systemd sandboxing of a system unit (see systemd.exec(5)). */
export interface ServiceHardening {
  /** The only paths the service may write (`ReadWritePaths=`). */
  readWritePaths: readonly string[];
  /** Capabilities it keeps, e.g. `CAP_NET_BIND_SERVICE` for ports below 1024. @default [] */
  capabilities?: readonly string[];
  /**
   * A directory under /run that systemd creates for the service at every start, owned by its
   * user (`RuntimeDirectory=`): where a socket goes, since /run is emptied at boot.
   */
  runtimeDirectory?: string;
  /** Socket families it may open (`RestrictAddressFamilies=`). @default ['AF_UNIX', 'AF_INET', 'AF_INET6', 'AF_NETLINK'] */
  addressFamilies?: readonly string[];
}
