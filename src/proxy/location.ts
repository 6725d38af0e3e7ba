// A location's proxy settings, compiled once per configuration generation from its merged
// loc_conf (nginx's ngx_http_proxy_merge_loc_conf): the proxy_pass target, the header list with
// nginx's defaults merged in, hidden headers, redirect rules, timeouts and failover policy.
import type { LocationModifier, MergedLocConf } from '../config/types.js';
import { nextUpstreamMask } from './next-upstream.js';
import { compileRedirectRule, defaultRedirectRule, type RedirectRule } from './redirect.js';
import type { Upstream, Upstreams } from './upstreams.js';
import { parseProxyPass, type ProxyPassUrl } from './uri.js';

/** One proxy_set_header: its value template is evaluated by the HTTP core per request. */
export interface SetHeader {
  name: string;
  lower: string;
  /** The value as written ("$host", "close", ""); constant when it has no "$". */
  value: string;
}

export interface ProxyLocation {
  /** proxy_pass as written. */
  passTemplate: string;
  /** proxy_pass has variables: the core evaluates passTemplate and calls resolveTarget(). */
  hasVariables: boolean;
  /** The parsed URL and its upstream when proxy_pass has no variables. */
  pass: ProxyPassUrl | undefined;
  upstream: Upstream | undefined;
  /** The prefix location's pattern (its part of the URI is replaced), undefined in regex/named ones. */
  locationPrefix: string | undefined;
  /** proxy_set_header, in order: what the core evaluates (values in the same order). */
  setHeaders: readonly SetHeader[];
  /** nginx's default Host: $proxy_host / Connection: close, unless set above. */
  defaultHost: boolean;
  defaultConnection: boolean;
  /** Lowercased client header names not copied upstream (set above, or framing/hop-by-hop). */
  notFromClient: ReadonlySet<string>;
  passRequestHeaders: boolean;
  /** Lowercased response header names not passed to the client. */
  hide: ReadonlySet<string>;
  /** Redirect rules; empty: proxy_redirect off. */
  redirects: readonly RedirectRule[];
  httpVersion: '1.0' | '1.1';
  connectTimeout: number;
  readTimeout: number;
  sendTimeout: number;
  nextUpstream: number;
  nextUpstreamTries: number;
  nextUpstreamTimeout: number;
  sslServerName: boolean;
  sslName: string | undefined;
  sslVerify: boolean;
}

/** Response headers nginx never passes by default (proxy_hide_header adds, proxy_pass_header removes). */
const HIDDEN_BY_DEFAULT = ['date', 'server', 'x-pad', 'x-accel-expires', 'x-accel-redirect', 'x-accel-limit-rate', 'x-accel-buffering', 'x-accel-charset'];

/** Client headers nginx's proxy replaces or drops (its default proxy_set_header list). */
const NOT_FROM_CLIENT_BY_DEFAULT = ['host', 'connection', 'content-length', 'transfer-encoding', 'te', 'keep-alive', 'expect', 'upgrade'];

export function compileProxyLocation(loc: MergedLocConf, location: { modifier: LocationModifier; pattern: string }, upstreams: Upstreams): ProxyLocation | undefined {
  const pp = loc.proxyPass;
  if (pp === undefined) return undefined;
  const hasVariables = pp.url.includes('$');
  const pass = hasVariables ? undefined : parseProxyPass(pp.url);
  const upstream = pass ? resolveUpstream(pass, upstreams) : undefined;
  const prefixLocation = location.modifier === '' || location.modifier === '^~' || location.modifier === '=';
  const setHeaders = loc.proxySetHeaders.map((h) => ({ name: h.name, lower: h.name.toLowerCase(), value: h.value }));
  const setNames = new Set(setHeaders.map((h) => h.lower));
  const hide = new Set([...HIDDEN_BY_DEFAULT, ...(loc.proxyHideHeaders ?? [])]);
  for (const name of loc.proxyPassHeaders ?? []) hide.delete(name);
  const locationName = prefixLocation ? location.pattern : undefined;
  return {
    passTemplate: pp.url,
    hasVariables,
    pass,
    upstream,
    locationPrefix: locationName,
    setHeaders,
    defaultHost: !setNames.has('host'),
    defaultConnection: !setNames.has('connection'),
    notFromClient: new Set([...NOT_FROM_CLIENT_BY_DEFAULT, ...setNames]),
    passRequestHeaders: loc.proxyPassRequestHeaders,
    hide,
    redirects: redirectRules(loc, pass, locationName),
    httpVersion: loc.proxyHttpVersion,
    connectTimeout: loc.proxyConnectTimeout,
    readTimeout: loc.proxyReadTimeout,
    sendTimeout: loc.proxySendTimeout,
    nextUpstream: nextUpstreamMask(loc.proxyNextUpstream),
    nextUpstreamTries: loc.proxyNextUpstreamTries,
    nextUpstreamTimeout: loc.proxyNextUpstreamTimeout,
    sslServerName: loc.proxySslServerName,
    sslName: loc.proxySslName,
    sslVerify: loc.proxySslVerify,
  };
}

/**
 * An upstream block named by the URL's host (no port written), else the implicit one-peer
 * upstream of host:port or of the unix socket.
 */
export function resolveUpstream(pass: ProxyPassUrl, upstreams: Upstreams): Upstream {
  if (pass.socketPath !== undefined) return upstreams.implicitSocket(pass.authority, pass.socketPath);
  if (!pass.portWritten) {
    const named = upstreams.get(pass.host);
    if (named !== undefined && !named.implicit) return named;
  }
  return upstreams.implicit(pass.host, pass.port);
}

/**
 * $proxy_host: the URL's host, with the port when one was written and is not the default;
 * "localhost" for a unix socket (what nginx sends as Host there).
 */
export function proxyHost(pass: ProxyPassUrl): string {
  const host = pass.host.includes(':') ? `[${pass.host}]` : pass.host;
  const defaultPort = pass.scheme === 'https' ? 443 : 80;
  return pass.portWritten && pass.port !== defaultPort ? `${host}:${pass.port}` : host;
}

/** $proxy_port: the port, or nothing for a unix socket (as nginx). */
export function proxyPort(pass: ProxyPassUrl): string {
  return pass.socketPath !== undefined ? '' : String(pass.port);
}

function redirectRules(loc: MergedLocConf, pass: ProxyPassUrl | undefined, locationName: string | undefined): RedirectRule[] {
  const conf = loc.proxyRedirect;
  if (conf?.mode === 'off') return [];
  const rules = conf?.mode === 'rules' ? conf.rules : ['default' as const];
  const out: RedirectRule[] = [];
  for (const r of rules) {
    if (r === 'default') {
      // nginx derives it from a proxy_pass without variables only.
      if (pass !== undefined && locationName !== undefined) {
        // The URL as written: a socket path ends at ":" before the URI.
        const separator = pass.socketPath !== undefined && pass.uri !== undefined ? ':' : '';
        out.push(defaultRedirectRule(`${pass.scheme}://${pass.authority}${separator}`, pass.uri, locationName));
      }
    } else {
      out.push(compileRedirectRule(r.from, r.to));
    }
  }
  return out;
}
