// Location headers as nginx writes them: relative redirects made absolute by the header filter
// (absolute_redirect, server_name_in_redirect, port_in_redirect), a directory's redirect escaped
// as the static module escapes it, and bytes a header cannot carry escaped.
//
// nginx escapes only the Location it builds from $uri (the directory redirect); what a
// configuration writes (return, error_page) or an upstream sends (proxy_redirect) goes out as
// it is, spaces and UTF-8 bytes included.
import type { HttpRequest } from './request.js';
import { escapeUri } from './uri.js';

/**
 * A Location starting with "/" made absolute as nginx's header filter does (absolute_redirect):
 * the Host of the request (or the local address), and the port unless it is 80.
 */
export function absoluteLocation(r: HttpRequest, location: string): string {
  const conf = r.level?.conf;
  if (!location.startsWith('/') || !conf || !conf.absoluteRedirect) return location;
  let host: string;
  if (conf.serverNameInRedirect) host = r.serverName;
  else if (r.host !== '') host = r.host;
  else {
    // The listening address as nginx prints it: "[::1]", or "unix:/path" (no brackets).
    const a = r.conn.localAddress;
    host = a.includes(':') && !a.startsWith('unix:') ? `[${a}]` : a;
  }
  // A unix-domain listener has no port: nginx writes none.
  const port = r.conn.localPort;
  const portText = conf.portInRedirect && port !== 80 && port !== 0 ? ':' + port : '';
  return `http://${host}${portText}${location}`;
}

/**
 * The redirect of a directory named without its trailing slash (ngx_http_static_handler):
 * $uri escaped again with ngx_escape_uri(NGX_ESCAPE_URI), "/", the arguments as received.
 */
export function directoryLocation(r: HttpRequest): string {
  return absoluteLocation(r, escapeUri(r.uri) + '/' + (r.args !== '' ? '?' + headerSafe(r.args) : ''));
}

/** Header values must not carry control characters (a decoded "%0d%0a" in a URI): escape them. */
export function headerSafe(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\x00-\x1f\x7f-\uffff]/.test(value)) return value;
  let out = '';
  for (const b of Buffer.from(value, 'utf8')) {
    out += b < 0x20 || b === 0x7f ? '%' + b.toString(16).toUpperCase().padStart(2, '0') : String.fromCharCode(b);
  }
  return out;
}
