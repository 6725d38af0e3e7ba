// nginx's ngx_parse_url for upstream addresses: the part of proxy_pass after "http://", and an
// upstream's `server`. "unix:PATH" (with a URI part, the path ends at the first ":"),
// "[IPv6]:PORT", "HOST:PORT", each with nginx's error wording (the caller adds
// ` in upstream "TEXT"`). Names are not resolved here.
import { isIPv4, isIPv6 } from 'node:net';

export interface UpstreamAddress {
  /** The unix-domain socket path ("unix:" removed), or undefined for a host and port. */
  socketPath: string | undefined;
  /** The host without brackets ("127.0.0.1", "::1", "example.com"); "localhost" for a socket. */
  host: string;
  /** The port written, or the default one (0 for a socket). */
  port: number;
  /** No port was written. */
  noPort: boolean;
  /** The host is an IPv4 or IPv6 literal (nothing to resolve). */
  literal: boolean;
  /** The URI part ("/x/", "?a"), "" when none (only where a URI part is allowed). */
  uri: string;
}

/** sizeof(sun_path) on Linux: the path and its terminating NUL must fit. */
const SUN_PATH_SIZE = 108;

/**
 * @param text what follows the scheme (proxy_pass) or the `server` address
 * @param uriPart a URI may follow (proxy_pass); else a "/" is an invalid host
 * @returns the address, or nginx's error ("invalid port", "no host", …)
 */
export function parseUpstreamAddress(text: string, uriPart: boolean, defaultPort: number): UpstreamAddress | { err: string } {
  if (text.length >= 5 && text.slice(0, 5).toLowerCase() === 'unix:') return parseUnix(text.slice(5), uriPart);
  if (text.startsWith('[')) return parseInet6(text, uriPart, defaultPort);
  return parseInet(text, uriPart, defaultPort);
}

function parseUnix(rest: string, uriPart: boolean): UpstreamAddress | { err: string } {
  let path = rest;
  let uri = '';
  if (uriPart) {
    const colon = rest.indexOf(':');
    if (colon >= 0) {
      path = rest.slice(0, colon);
      uri = rest.slice(colon + 1);
    }
  }
  if (path === '') return { err: 'no path in the unix domain socket' };
  if (Buffer.byteLength(path) + 1 > SUN_PATH_SIZE) return { err: 'too long path in the unix domain socket' };
  return { socketPath: path, host: 'localhost', port: 0, noPort: true, literal: true, uri };
}

function parseInet(text: string, uriPart: boolean, defaultPort: number): UpstreamAddress | { err: string } {
  let last = text.length;
  let portAt = text.indexOf(':');
  let uriAt = text.indexOf('/');
  const argsAt = text.indexOf('?');
  if (argsAt >= 0 && (uriAt < 0 || argsAt < uriAt)) uriAt = argsAt;
  let uri = '';
  if (uriAt >= 0) {
    if (!uriPart) return { err: 'invalid host' };
    uri = text.slice(uriAt);
    last = uriAt;
    if (uriAt < portAt) portAt = -1;
  }
  let port = defaultPort;
  let noPort = true;
  if (portAt >= 0) {
    const n = portNumber(text.slice(portAt + 1, last));
    if (n === undefined) return { err: 'invalid port' };
    port = n;
    noPort = false;
    last = portAt;
  }
  const host = text.slice(0, last);
  if (host === '') return { err: 'no host' };
  return { socketPath: undefined, host, port, noPort, literal: isIPv4(host), uri };
}

function parseInet6(text: string, uriPart: boolean, defaultPort: number): UpstreamAddress | { err: string } {
  const close = text.indexOf(']');
  if (close < 0) return { err: 'invalid host' };
  let last = text.length;
  const uriAt = text.indexOf('/', close + 1);
  let uri = '';
  if (uriAt >= 0) {
    if (!uriPart) return { err: 'invalid host' };
    uri = text.slice(uriAt);
    last = uriAt;
  }
  let port = defaultPort;
  let noPort = true;
  if (close + 1 < last) {
    if (text[close + 1] !== ':') return { err: 'invalid host' };
    const n = portNumber(text.slice(close + 2, last));
    if (n === undefined) return { err: 'invalid port' };
    port = n;
    noPort = false;
  }
  const host = text.slice(1, close);
  if (host === '') return { err: 'no host' };
  // nginx's parser knows no zone index ("%eth0"); node's would accept it.
  if (!isIPv6(host) || host.includes('%')) return { err: 'invalid IPv6 address' };
  return { socketPath: undefined, host, port, noPort, literal: true, uri };
}

/** ngx_atoi over a port: digits only, 1–65535. */
function portNumber(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}
