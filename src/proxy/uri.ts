// proxy_pass's URL and the URI sent upstream, by nginx's rules (ngx_http_proxy_pass,
// ngx_http_proxy_create_request):
// - no URI part: the client's request URI is passed unchanged (as it came, not normalized);
// - a URI part: the part of the normalized URI that matched the prefix location is replaced by
//   it, the rest escaped again, the arguments appended;
// - variables: the evaluated URL's URI part is sent as is (arguments only if written in it);
//   without a URI part the client's URI is passed unchanged.
import { escapeUri } from '../http/uri.js';

export { escapeUri };

export interface ProxyPassUrl {
  scheme: 'http' | 'https';
  /** "backend", "127.0.0.1:9001", "[::1]:8080": an upstream name or host[:port]. */
  authority: string;
  host: string;
  /** The port written, or the scheme's default. */
  port: number;
  /** Whether a port was written (then $proxy_host shows it). */
  portWritten: boolean;
  /** The URI part ("/x/"), or undefined when the URL has none. */
  uri: string | undefined;
}

/** Splits a proxy_pass URL (after variables were evaluated); undefined if it is not http(s). */
export function parseProxyPass(url: string): ProxyPassUrl | undefined {
  const m = /^(https?):\/\/([^/?]*)(.*)$/i.exec(url);
  if (!m || m[2] === '') return undefined;
  const scheme = m[1].toLowerCase() as 'http' | 'https';
  const authority = m[2];
  let host = authority;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) return undefined;
    host = authority.slice(1, close);
    if (authority[close + 1] === ':') portText = authority.slice(close + 2);
  } else {
    const colon = authority.lastIndexOf(':');
    if (colon >= 0) {
      host = authority.slice(0, colon);
      portText = authority.slice(colon + 1);
    }
  }
  let port = scheme === 'https' ? 443 : 80;
  if (portText !== undefined) {
    if (!/^\d+$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) return undefined;
    port = Number(portText);
  }
  return { scheme, authority, host, port, portWritten: portText !== undefined, uri: m[3] === '' ? undefined : m[3] };
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

