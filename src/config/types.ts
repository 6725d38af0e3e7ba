// The typed configuration the runtime reads. It is plain data (JSON-safe: no functions,
// RegExps or Maps) so that the master can hand it to workers over IPC; each runtime module
// compiles what it needs from it once per configuration generation.
import type { DraftOf, MergedOf } from './fields.js';
import type { AllLocFields } from './directives/index.js';

export type ContextName =
  | 'main' | 'events' | 'http' | 'server' | 'location' | 'upstream' | 'types' | 'map' | 'if' | 'limit_except';

export type LogLevel = 'debug' | 'info' | 'notice' | 'warn' | 'error' | 'crit' | 'alert' | 'emerg';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'notice', 'warn', 'error', 'crit', 'alert', 'emerg'];

/** Where a directive was written, for runtime messages that point back at the config. */
export interface Origin {
  file: string;
  line: number;
}

export interface ErrorLogConf {
  /** Absolute path, or "stderr". */
  path: string;
  level: LogLevel;
}

export interface AccessLogConf {
  /** Absolute path, possibly with variables; "off" lists are represented by an empty array. */
  path: string;
  format: string;
  buffer?: number;
  flush?: number;
}

export interface LogFormatConf {
  name: string;
  escape: 'default' | 'json' | 'none';
  /** The format string, arguments joined as nginx joins them (no separator). */
  template: string;
}

export interface ListenConf {
  /** Numeric address ("0.0.0.0", "127.0.0.1", "::"), as node's listen() takes it; '' for unix. */
  host: string;
  /** 0 for a unix-domain socket. */
  port: number;
  /** The socket file of `listen unix:PATH` (PATH as written), else undefined. */
  unix?: string;
  /** "addr:port" as nginx prints it (IPv6 in brackets), or "unix:PATH". */
  key: string;
  defaultServer: boolean;
  backlog?: number;
  ipv6only?: boolean;
  reuseport?: boolean;
}

export interface ErrorPageConf {
  codes: number[];
  /** "=" alone: the status comes from the redirected request; a number: that status. */
  overwrite?: number | 'response';
  uri: string;
}

export interface ReturnConf {
  code: number;
  /** URL for redirects, body text otherwise; may contain variables. */
  text?: string;
}

export interface HeaderConf {
  name: string;
  value: string;
  always: boolean;
}

/** `expires`: nginx's forms (off, epoch, max, [modified] time, @time-of-day). Times in seconds. */
export type ExpiresConf =
  | { kind: 'off' }
  | { kind: 'epoch' }
  | { kind: 'max' }
  | { kind: 'access'; seconds: number }
  | { kind: 'modified'; seconds: number }
  | { kind: 'daily'; seconds: number };

/** `large_client_header_buffers number size`. */
export interface HeaderBuffersConf {
  number: number;
  size: number;
}

export interface ProxyPassConf {
  /** The URL exactly as written (may contain variables). */
  url: string;
  origin: Origin;
}

/** One `proxy_redirect FROM TO` rule; FROM starting with ~ or ~* is a regex. */
export interface ProxyRedirectRule {
  from: string;
  to: string;
}

/** `proxy_redirect`: off, default (derived from proxy_pass and the location), or rules. */
export type ProxyRedirectConf = { mode: 'off' } | { mode: 'rules'; rules: (ProxyRedirectRule | 'default')[] };

export interface ProxyHeaderConf {
  name: string;
  value: string;
}

export interface RootConf {
  path: string;
  alias: boolean;
}

/**
 * Settings that nginx keeps per location (its loc_conf): set at http, server or location level
 * and merged down once at load. Each module declares its own fields, defaults and inheritance
 * next to its directive table (src/config/directives/*.ts); this is their union. A field is
 * `undefined` ("not set here") until merging fills it.
 */
export type LocConf = DraftOf<AllLocFields>;

/** A merged LocConf: every field with a default has a value. */
export type MergedLocConf = MergedOf<AllLocFields>;

export interface OpenFileCacheConf {
  max: number;
  /** inactive=, in ms. */
  inactive: number;
}

export type LocationModifier = '' | '=' | '^~' | '~' | '~*' | '@';

export interface LocationConf {
  modifier: LocationModifier;
  /** The URI prefix, exact URI, regex source (PCRE as written) or @name. */
  pattern: string;
  loc: MergedLocConf;
  locations: LocationConf[];
  origin: Origin;
}

export interface ServerConf {
  listens: ListenConf[];
  /** As written: exact names, "*.x.com", ".x.com", "x.*", "~regex", "" — lowercased except regexes. */
  serverNames: string[];
  loc: MergedLocConf;
  locations: LocationConf[];
  origin: Origin;
}

export interface UpstreamPeerConf {
  /** "host:port" (":80" added when absent), for logs and $upstream_addr: "127.0.0.1:9001"; "unix:/path" for a socket. */
  address: string;
  /** The address exactly as written (consistent hash builds its points from it, as nginx). */
  server?: string;
  /** "localhost" for a unix-domain socket. */
  host: string;
  /** 0 for a unix-domain socket. */
  port: number;
  /** `server unix:/path`: the socket's path. */
  socketPath?: string;
  weight: number;
  maxFails: number;
  failTimeout: number;
  backup: boolean;
  down: boolean;
}

export type BalancerConf =
  | { method: 'round_robin' }
  | { method: 'ip_hash' }
  | { method: 'least_conn' }
  /** LVS's shortest expected delay and never queue (src/proxy/balancers/sed.ts, nq.ts). */
  | { method: 'sed' }
  | { method: 'nq' }
  | { method: 'hash'; key: string; consistent: boolean };

export interface UpstreamConf {
  name: string;
  peers: UpstreamPeerConf[];
  balancer: BalancerConf;
  keepalive?: number;
  /** Active health checks (`check`, Tengine's syntax); unset: none. */
  check?: UpstreamCheckConf;
  /** `check_http_send` as written, escapes resolved; unset: DEFAULT_CHECK_HTTP_SEND. */
  checkHttpSend?: string;
  /** `check_http_expect_alive`: the status classes that count as alive (2 for http_2xx…); unset: 2xx, 3xx. */
  checkHttpExpectAlive?: number[];
  /** `check_notify`: the script run with `up|down UPSTREAM PEER` on every transition. */
  checkNotify?: string;
  origin: Origin;
}

/** The `check` directive's parameters, Tengine's defaults filled in. */
export interface UpstreamCheckConf {
  type: 'tcp' | 'http';
  /** Milliseconds between the end of one probe of a peer and the start of the next. */
  interval: number;
  rise: number;
  fall: number;
  /** Milliseconds a probe may take (connect, and for http the whole exchange). */
  timeout: number;
  /** Peers start down until `rise` successful checks (Tengine's default_down=true). */
  defaultDown: boolean;
  /** Probe this port instead of the peer's own. */
  port?: number;
}

/** One `map $source $variable { … }` block (ngx_http_map_module). */
export interface MapConf {
  /** The string matched, as written ("$http_upgrade"); may hold several variables. */
  source: string;
  /** The variable it defines, without "$". */
  variable: string;
  /** Value templates as written. */
  defaultValue: string;
  /** Exact keys, lowercased (nginx's map compares them case-insensitively), with their values. */
  exact: Record<string, string>;
  /** `~regex` / `~*regex` keys, in the order written (tried in that order after the exact ones). */
  regexes: { source: string; caseless: boolean; value: string }[];
  origin: Origin;
}

export interface HttpConf {
  servers: ServerConf[];
  upstreams: Record<string, UpstreamConf>;
  logFormats: Record<string, LogFormatConf>;
  maps: MapConf[];
  loc: MergedLocConf;
}

export interface MainConf {
  workerProcesses: number | 'auto';
  pid: string;
  errorLogs: ErrorLogConf[];
  daemon: boolean;
  user?: { user: string; group?: string };
  workerRlimitNofile?: number;
  workerShutdownTimeout?: number;
  workerConnections: number;
  configWatch: boolean;
}

export interface Config {
  /** The -p prefix (absolute, ends without "/"), against which relative paths were resolved. */
  prefix: string;
  /** The main configuration file (absolute). */
  file: string;
  /** Every file read, in order, for -T and config watching. */
  files: string[];
  main: MainConf;
  http?: HttpConf;
}
