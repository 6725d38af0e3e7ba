// The http core module (ngx_http_core_module): the http/server/location blocks, listen,
// server_name, paths, MIME types, and connection limits.
import type { Directive } from '../ast.js';
import { argError, directiveError } from '../errors.js';
import { FLAG, ONE_OR_MORE, TAKE, TWO_OR_MORE, type DirectiveSpec, type LocationDraft, type Scope } from '../spec.js';
import { flagArg, fullPath, numberArg, secondsArg, setOnce, sizeArg, timeArg } from '../slots.js';
import { parseNumber, parseSeconds, splitHostPort } from '../values.js';
import type { ListenConf, LocationModifier } from '../types.js';
import { compileConfigRegex } from '../regex.js';
import { inherited, inheritedFromPrefix, inheritedUnset, notInherited, type ConfigModule } from '../fields.js';
import type { ErrorPageConf, HeaderBuffersConf, OpenFileCacheConf, RootConf } from '../types.js';
import { checkUpstreamTargets } from './upstream-targets.js';

const LOC = ['http', 'server', 'location'] as const;

/** The core's loc_conf fields (ngx_http_core_loc_conf_t) with nginx's defaults. */
export const httpCoreFields = {
  root: inheritedFromPrefix<RootConf>((prefix) => ({ path: prefix + '/html', alias: false })),
  tryFiles: notInherited<string[]>(),
  errorPages: inherited<ErrorPageConf[]>([]),
  keepaliveTimeout: inherited(75_000),
  /** keepalive_timeout's second value: goes with the first (see merge below). */
  keepaliveHeaderTimeout: inheritedUnset<number>(),
  keepaliveRequests: inherited(1000),
  clientMaxBodySize: inherited(1024 * 1024),
  /** Milliseconds. client_header_timeout and large_client_header_buffers are read at server level. */
  clientHeaderTimeout: inherited(60_000),
  clientBodyTimeout: inherited(60_000),
  sendTimeout: inherited(60_000),
  largeClientHeaderBuffers: inherited<HeaderBuffersConf>({ number: 4, size: 8 * 1024 }),
  absoluteRedirect: inherited(true),
  portInRedirect: inherited(true),
  serverNameInRedirect: inherited(false),
  logNotFound: inherited(true),
  clientBodyTempPath: inheritedFromPrefix((prefix) => prefix + '/client_body_temp'),
  serverTokens: inherited(true),
  sendfile: inherited(false),
  /** open_file_cache: null when off (nginx's default). Times in ms. */
  openFileCache: inherited<OpenFileCacheConf | null>(null),
  /** open_file_cache_valid, in ms. */
  openFileCacheValid: inherited(60_000),
  openFileCacheMinUses: inherited(1),
  openFileCacheErrors: inherited(false),
  tcpNopush: inherited(false),
  tcpNodelay: inherited(true),
  defaultType: inherited('text/plain'),
  /** Extension (lowercase) → MIME type; null: no `types` anywhere, ask the mime-types package. */
  types: inherited<Record<string, string> | null>(null),
  /** `satisfy any`: one access module's grant suffices (nginx's default: all must grant). */
  satisfy: inherited<'all' | 'any'>('all'),
};

const httpDirectives: DirectiveSpec[] = [
  {
    name: 'http', contexts: ['main'], args: TAKE(0), block: 'directives',
    handle(d, s) {
      if (s.http) throw directiveError(d, '"http" directive is duplicate');
      const http = { servers: [], upstreams: {}, logFormats: {}, maps: [], loc: {}, pendingFormatChecks: [] };
      s.http = http;
      s.walk(d.block!, { ...s, context: 'http', http, loc: http.loc });
      checkUpstreamTargets(http);
    },
  },
  {
    name: 'server', contexts: ['http'], args: TAKE(0), block: 'directives',
    handle(d, s) {
      const server = { listens: [], serverNames: [], loc: {}, locations: [], directive: d };
      s.http!.servers.push(server);
      s.walk(d.block!, { ...s, context: 'server', server, loc: server.loc, location: undefined });
    },
  },
  {
    name: 'location', contexts: ['server', 'location'], args: TAKE(1, 2), block: 'directives',
    handle(d, s) {
      const location = parseLocation(d, s);
      (s.location ?? s.server!).locations.push(location);
      s.walk(d.block!, { ...s, context: 'location', location, loc: location.loc });
    },
  },
  { name: 'listen', contexts: ['server'], args: ONE_OR_MORE, handle: handleListen },
  {
    name: 'server_name', contexts: ['server'], args: ONE_OR_MORE,
    handle(d, s) {
      d.args.forEach((name, i) => {
        if (name.startsWith('~')) {
          compileConfigRegex(d, i, name.slice(1), '');
          s.server!.serverNames.push(name);
          return;
        }
        const lower = name.toLowerCase();
        if (lower.indexOf('/') !== -1) throw argError(d, i, `server name "${name}" has suspicious symbols`);
        s.server!.serverNames.push(lower);
      });
    },
  },
  {
    name: 'root', contexts: LOC, args: TAKE(1),
    handle(d, s) {
      if (s.loc!.root?.alias) throw directiveError(d, '"root" directive is duplicate, "alias" directive was specified earlier');
      setOnce(d, s.loc!, 'root', { path: fullPath(s.prefix, d.args[0]), alias: false });
    },
  },
  {
    name: 'alias', contexts: ['location'], args: TAKE(1),
    handle(d, s) {
      if (s.loc!.root && !s.loc!.root.alias) {
        throw directiveError(d, '"alias" directive is duplicate, "root" directive was specified earlier');
      }
      if (s.location!.modifier === '@') throw directiveError(d, `the "alias" directive cannot be used inside the named location`);
      setOnce(d, s.loc!, 'root', { path: fullPath(s.prefix, d.args[0]), alias: true });
    },
  },
  {
    name: 'try_files', contexts: ['server', 'location'], args: TWO_OR_MORE,
    handle(d, s) {
      const last = d.args[d.args.length - 1];
      if (last.startsWith('=')) {
        const code = Number(last.slice(1));
        if (!/^=\d+$/.test(last) || code > 999) throw argError(d, d.args.length - 1, `invalid code "${last}"`);
      }
      setOnce(d, s.loc!, 'tryFiles', d.args.slice());
    },
  },
  {
    name: 'error_page', contexts: LOC, args: TWO_OR_MORE,
    handle(d, s) {
      const args = d.args;
      const uri = args[args.length - 1];
      let overwrite: number | 'response' | undefined;
      let codeEnd = args.length - 1;
      const maybe = args[args.length - 2];
      if (maybe.startsWith('=')) {
        codeEnd--;
        if (maybe === '=') overwrite = 'response';
        else if (/^=\d+$/.test(maybe)) overwrite = Number(maybe.slice(1));
        else throw argError(d, args.length - 2, `invalid value "${maybe}"`);
      }
      if (codeEnd < 1) throw directiveError(d, `invalid number of arguments in "error_page" directive`);
      const codes: number[] = [];
      for (let i = 0; i < codeEnd; i++) {
        if (!/^\d+$/.test(args[i])) throw argError(d, i, `invalid value "${args[i]}"`);
        const code = Number(args[i]);
        if (code < 300 || code > 599) throw argError(d, i, `value "${args[i]}" must be between 300 and 599`);
        if (code === 499) throw argError(d, i, `value "${args[i]}" must be between 300 and 599`);
        codes.push(code);
      }
      (s.loc!.errorPages ??= []).push({ codes, overwrite, uri });
    },
  },
  {
    name: 'keepalive_timeout', contexts: LOC, args: TAKE(1, 2),
    handle(d, s) {
      setOnce(d, s.loc!, 'keepaliveTimeout', timeArg(d));
      if (d.args.length === 2) s.loc!.keepaliveHeaderTimeout = timeArg(d, 1);
    },
  },
  { name: 'keepalive_requests', contexts: LOC, args: TAKE(1), handle(d, s) { setOnce(d, s.loc!, 'keepaliveRequests', numberArg(d)); } },
  { name: 'client_header_timeout', contexts: ['http', 'server'], args: TAKE(1), handle(d, s) { setOnce(d, s.loc!, 'clientHeaderTimeout', timeArg(d)); } },
  { name: 'client_body_timeout', contexts: LOC, args: TAKE(1), handle(d, s) { setOnce(d, s.loc!, 'clientBodyTimeout', timeArg(d)); } },
  { name: 'send_timeout', contexts: LOC, args: TAKE(1), handle(d, s) { setOnce(d, s.loc!, 'sendTimeout', timeArg(d)); } },
  {
    name: 'large_client_header_buffers', contexts: ['http', 'server'], args: TAKE(2),
    handle(d, s) {
      const number = Number(d.args[0]);
      if (!/^\d+$/.test(d.args[0]) || number === 0) throw argError(d, 0, `invalid value "${d.args[0]}"`);
      const size = sizeArg(d, 1);
      if (size <= 1) throw argError(d, 1, `invalid value "${d.args[1]}"`);
      setOnce(d, s.loc!, 'largeClientHeaderBuffers', { number, size });
    },
  },
  { name: 'absolute_redirect', contexts: LOC, args: FLAG, handle(d, s) { setOnce(d, s.loc!, 'absoluteRedirect', flagArg(d)); } },
  { name: 'port_in_redirect', contexts: LOC, args: FLAG, handle(d, s) { setOnce(d, s.loc!, 'portInRedirect', flagArg(d)); } },
  { name: 'server_name_in_redirect', contexts: LOC, args: FLAG, handle(d, s) { setOnce(d, s.loc!, 'serverNameInRedirect', flagArg(d)); } },
  { name: 'log_not_found', contexts: LOC, args: FLAG, handle(d, s) { setOnce(d, s.loc!, 'logNotFound', flagArg(d)); } },
  {
    name: 'satisfy', contexts: LOC, args: TAKE(1),
    handle(d, s) {
      const v = d.args[0];
      if (v !== 'all' && v !== 'any') throw argError(d, 0, `invalid value "${v}"`);
      setOnce(d, s.loc!, 'satisfy', v);
    },
  },
  { name: 'client_max_body_size', contexts: LOC, args: TAKE(1), handle(d, s) { setOnce(d, s.loc!, 'clientMaxBodySize', sizeArg(d)); } },
  {
    name: 'server_tokens', contexts: LOC, args: TAKE(1),
    handle(d, s) {
      const v = d.args[0];
      if (v !== 'on' && v !== 'off' && v !== 'build') {
        throw argError(d, 0, `invalid value "${v}"`);
      }
      setOnce(d, s.loc!, 'serverTokens', v !== 'off');
    },
  },
  // Accepted for compatibility; Node's socket layer decides these itself.
  { name: 'sendfile', contexts: LOC, args: FLAG, handle(d, s) { setOnce(d, s.loc!, 'sendfile', flagArg(d)); } },
  { name: 'tcp_nopush', contexts: LOC, args: FLAG, handle(d, s) { setOnce(d, s.loc!, 'tcpNopush', flagArg(d)); } },
  { name: 'open_file_cache', contexts: LOC, args: TAKE(1, 2), handle: handleOpenFileCache },
  { name: 'open_file_cache_valid', contexts: LOC, args: TAKE(1), handle(d, s) { setOnce(d, s.loc!, 'openFileCacheValid', secondsArg(d)); } },
  { name: 'open_file_cache_min_uses', contexts: LOC, args: TAKE(1), handle(d, s) { setOnce(d, s.loc!, 'openFileCacheMinUses', numberArg(d)); } },
  { name: 'open_file_cache_errors', contexts: LOC, args: FLAG, handle(d, s) { setOnce(d, s.loc!, 'openFileCacheErrors', flagArg(d)); } },
  { name: 'tcp_nodelay', contexts: LOC, args: FLAG, handle(d, s) { setOnce(d, s.loc!, 'tcpNodelay', flagArg(d)); } },
  {
    name: 'client_body_temp_path', contexts: LOC, args: TAKE(1, 4),
    handle(d, s) { setOnce(d, s.loc!, 'clientBodyTempPath', fullPath(s.prefix, d.args[0])); },
  },
  { name: 'default_type', contexts: LOC, args: TAKE(1), handle(d, s) { setOnce(d, s.loc!, 'defaultType', d.args[0]); } },
  {
    name: 'types', contexts: LOC, args: TAKE(0), block: 'raw',
    handle(d, s) {
      const types: Record<string, string> = s.loc!.types ?? {};
      for (const entry of d.block!) {
        if (entry.block) throw directiveError(entry, `unexpected "{"`, entry.namePos);
        if (entry.args.length === 0) throw directiveError(entry, `invalid number of arguments in "types" directive`);
        for (let i = 0; i < entry.args.length; i++) {
          const ext = entry.args[i].toLowerCase();
          if (types[ext] !== undefined && types[ext] !== entry.name) {
            s.warn(entry, `duplicate extension "${ext}", content type: "${entry.name}", previous content type: "${types[ext]}"`);
          }
          types[ext] = entry.name;
        }
      }
      s.loc!.types = types;
    },
  },
];

export const httpCoreModule: ConfigModule<typeof httpCoreFields> = {
  name: 'http_core',
  directives: httpDirectives,
  fields: httpCoreFields,
  // keepalive_timeout's header value belongs to the level that set the timeout (one directive).
  merge(merged, child) {
    if (child.keepaliveTimeout !== undefined && child.keepaliveHeaderTimeout === undefined) delete merged.keepaliveHeaderTimeout;
  },
};

function parseLocation(d: Directive, s: Scope): LocationDraft {
  let modifier: LocationModifier = '';
  let pattern: string;
  if (d.args.length === 2) {
    const m = d.args[0];
    if (m !== '=' && m !== '~' && m !== '~*' && m !== '^~') throw argError(d, 0, `invalid location modifier "${m}"`);
    modifier = m;
    pattern = d.args[1];
  } else {
    const a = d.args[0];
    if (a.length > 1 && a.startsWith('=')) { modifier = '='; pattern = a.slice(1); }
    else if (a.length > 2 && a.startsWith('^~')) { modifier = '^~'; pattern = a.slice(2); }
    else if (a.length > 2 && a.startsWith('~*')) { modifier = '~*'; pattern = a.slice(2); }
    else if (a.length > 1 && a.startsWith('~')) { modifier = '~'; pattern = a.slice(1); }
    else if (a.startsWith('@')) { modifier = '@'; pattern = a; }
    else pattern = a;
  }
  const shown = modifier === '~' || modifier === '~*' ? pattern : pattern;
  if (modifier === '~' || modifier === '~*') compileConfigRegex(d, d.args.length - 1, pattern, modifier === '~*' ? 'i' : '');
  const parent = s.location;
  if (parent) {
    if (parent.modifier === '=') throw directiveError(d, `location "${shown}" cannot be inside the exact location "${parent.pattern}"`);
    if (parent.modifier === '@') throw directiveError(d, `location "${shown}" could not be inside the named location "${parent.pattern}"`);
    if (modifier === '@') throw directiveError(d, `named location "${pattern}" can be on the server level only`);
    if (modifier !== '~' && modifier !== '~*' && !pattern.startsWith(parent.pattern)) {
      throw directiveError(d, `location "${pattern}" is outside location "${parent.pattern}"`);
    }
  }
  const siblings = (parent ?? s.server!).locations;
  const isExact = modifier === '=';
  const duplicate = siblings.find((l) => l.pattern === pattern && (l.modifier === '=') === isExact
    && l.modifier !== '~' && l.modifier !== '~*' && modifier !== '~' && modifier !== '~*');
  if (duplicate) throw directiveError(d, `duplicate location "${pattern}"`);
  return { modifier, pattern, loc: {}, locations: [], directive: d };
}

const UNSUPPORTED_LISTEN = new Set([
  'ssl', 'http2', 'quic', 'proxy_protocol', 'spdy', 'fastopen', 'setfib', 'rcvbuf', 'sndbuf', 'accept_filter',
  'deferred', 'so_keepalive',
]);

function handleListen(d: Directive, s: Scope): void {
  const addr = d.args[0];
  const listen = addr.startsWith('unix:') ? unixListen(d, addr) : inetListen(d, addr);
  for (let i = 1; i < d.args.length; i++) {
    const p = d.args[i];
    const [name, value] = splitParam(p);
    if (p === 'default_server' || p === 'default') listen.defaultServer = true;
    else if (p === 'bind') continue;
    else if (p === 'reuseport') listen.reuseport = true;
    else if (name === 'backlog' && value !== undefined && /^-?\d+$/.test(value)) listen.backlog = Number(value);
    // nginx accepts it on a unix listen too, and applies it to IPv6 sockets only.
    else if (name === 'ipv6only' && (value === 'on' || value === 'off')) listen.ipv6only = value === 'on';
    else if (UNSUPPORTED_LISTEN.has(name)) {
      throw argError(d, i, `"${name}" parameter of the "listen" directive is not supported by ngts`);
    } else throw argError(d, i, `invalid parameter "${p}"`);
  }
  const server = s.server!;
  if (server.listens.some((l) => l.key === listen.key)) throw directiveError(d, `a duplicate listen ${listen.key}`);
  server.listens.push(listen);
}

function inetListen(d: Directive, addr: string): ListenConf {
  const hp = splitHostPort(addr);
  const invalidPort = () => argError(d, 0, `invalid port in "${addr}" of the "listen" directive`);
  if (!hp) throw argError(d, 0, `invalid host in "${addr}" of the "listen" directive`);
  if (hp.portText !== undefined && hp.port === undefined) throw invalidPort();
  let host = hp.host;
  if (host === undefined || host === '*') host = '0.0.0.0';
  else if (host === 'localhost') host = '127.0.0.1';
  else if (!isIp(host)) {
    throw argError(d, 0, `host "${host}" of the "listen" directive must be an IP address or "localhost" in ngts`);
  }
  const port = hp.port ?? 80;
  const key = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return { host, port, key, defaultServer: false };
}

/** sizeof(struct sockaddr_un.sun_path) on Linux, its terminating NUL included. */
const SUN_PATH_SIZE = 108;

/** `listen unix:PATH` (ngx_parse_unix_domain_url): the whole rest is the path, as written. */
function unixListen(d: Directive, addr: string): ListenConf {
  const path = addr.slice('unix:'.length);
  if (path === '') throw argError(d, 0, `no path in the unix domain socket in "${addr}" of the "listen" directive`);
  if (Buffer.byteLength(path) + 1 > SUN_PATH_SIZE) {
    throw argError(d, 0, `too long path in the unix domain socket in "${addr}" of the "listen" directive`);
  }
  return { host: '', port: 0, unix: path, key: addr, defaultServer: false };
}

function splitParam(p: string): [string, string | undefined] {
  const eq = p.indexOf('=');
  return eq < 0 ? [p, undefined] : [p.slice(0, eq), p.slice(eq + 1)];
}

function isIp(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || (host.includes(':') && /^[0-9a-fA-F:.]+$/.test(host));
}

/**
 * ngx_http_core_open_file_cache: `max=N [inactive=time]` or `off`. Every argument is checked in
 * order; `off` anywhere wins (nginx accepts "off max=10").
 */
function handleOpenFileCache(d: Directive, s: Scope): void {
  if (s.loc!.openFileCache !== undefined) throw directiveError(d, '"open_file_cache" directive is duplicate');
  let max = 0;
  let inactive = 60_000;
  let off = false;
  d.args.forEach((arg, i) => {
    if (arg.startsWith('max=')) {
      const n = parseNumber(arg.slice(4));
      if (n !== undefined && n > 0) {
        max = n;
        return;
      }
    } else if (arg.startsWith('inactive=')) {
      const t = parseSeconds(arg.slice(9));
      if (t !== undefined) {
        inactive = t;
        return;
      }
    } else if (arg === 'off') {
      off = true;
      return;
    }
    throw argError(d, i, `invalid "open_file_cache" parameter "${arg}"`);
  });
  if (off) {
    s.loc!.openFileCache = null;
    return;
  }
  if (max === 0) throw directiveError(d, '"open_file_cache" must have the "max" parameter');
  s.loc!.openFileCache = { max, inactive };
}
