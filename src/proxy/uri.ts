// proxy_pass's URL and the URI sent upstream, by nginx's rules (ngx_http_proxy_pass,
// ngx_http_proxy_create_request):
// - no URI part: the client's request URI is passed unchanged (as it came, not normalized);
// - a URI part: the part of the normalized URI that matched the prefix location is replaced by
//   it, the rest escaped again, the arguments appended;
// - variables: the evaluated URL's URI part is sent as is (arguments only if written in it);
//   without a URI part the client's URI is passed unchanged.
import { escapeUri } from '../http/uri.js';

export { escapeUri };
import { parseUpstreamAddress } from './upstream-url.js';

export interface ProxyPassUrl {
  scheme: 'http' | 'https';
  /** "backend", "127.0.0.1:9001", "[::1]:8080", "unix:/run/app.sock": what precedes the URI part. */
  authority: string;
  /** An upstream name or the host ("::1" without brackets); "localhost" for a unix socket. */
  host: string;
  /** The port written, or the scheme's default. */
  port: number;
  /** Whether a port was written (then $proxy_host shows it). */
  portWritten: boolean;
  /** The URI part ("/x/"), or undefined when the URL has none. */
  uri: string | undefined;
  /** `http://unix:/path:/uri`: the socket's path. */
  socketPath: string | undefined;
}

/** Splits a proxy_pass URL (after variables were evaluated); undefined if nginx would refuse it. */
export function parseProxyPass(url: string): ProxyPassUrl | undefined {
  const parsed = splitProxyPass(url);
  return typeof parsed === 'string' ? undefined : parsed;
}

/** nginx's error-log message for a proxy_pass URL that parseProxyPass refused. */
export function proxyPassError(url: string): string {
  const parsed = splitProxyPass(url);
  return typeof parsed === 'string' ? parsed : '';
}

/** The URL's parts, or nginx's message about it ("invalid port in upstream \"h:0\"", …). */
export function splitProxyPass(url: string): ProxyPassUrl | string {
  const m = /^(https?):\/\//i.exec(url);
  if (m === null || url.length === m[0].length) return `invalid URL prefix in "${url}"`;
  const scheme = m[1].toLowerCase() as 'http' | 'https';
  const rest = url.slice(m[0].length);
  const defaultPort = scheme === 'https' ? 443 : 80;
  const a = parseUpstreamAddress(rest, true, defaultPort);
  if ('err' in a) return `${a.err} in upstream "${rest}"`;
  const authority = a.socketPath !== undefined ? rest.slice(0, 5 + a.socketPath.length) : rest.slice(0, rest.length - a.uri.length);
  return {
    scheme, authority, host: a.host, port: a.socketPath !== undefined ? defaultPort : a.port,
    portWritten: !a.noPort, uri: a.uri === '' ? undefined : a.uri, socketPath: a.socketPath,
  };
}

/** What the HTTP core knows about the request URI. */
export interface RequestUri {
  /** The URI exactly as in the request line (path and query), or undefined once a rewrite changed it. */
  unparsed: string | undefined;
  /** The decoded, normalized path the location matched (nginx's $uri). */
  uri: string;
  /** The query string without "?" (nginx's $args), "" when none. */
  args: string;
}

/**
 * The URI to send upstream.
 * @param passUri the proxy_pass URI part (undefined: none)
 * @param fromVariables proxy_pass contained variables
 * @param locationPrefix the prefix (or exact) location's pattern; undefined in regex/named locations
 */
export function upstreamUri(passUri: string | undefined, fromVariables: boolean, locationPrefix: string | undefined, req: RequestUri): string {
  if (passUri !== undefined && fromVariables) return passUri;
  if (passUri === undefined) {
    if (req.unparsed !== undefined) return req.unparsed;
    return escapeUri(req.uri) + (req.args !== '' ? '?' + req.args : '');
  }
  // nginx replaces the location's length of $uri, whatever it holds (a rewrite that left the
  // location can make that surprising; nginx behaves the same).
  const cut = locationPrefix !== undefined && req.uri.startsWith(locationPrefix) ? locationPrefix.length : 0;
  return passUri + escapeUri(req.uri.slice(cut)) + (req.args !== '' ? '?' + req.args : '');
}

