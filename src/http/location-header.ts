// Location headers as nginx writes them: relative redirects made absolute by the header filter
// (absolute_redirect, server_name_in_redirect, port_in_redirect), and bytes a header cannot
// carry escaped.
import type { HttpRequest } from './request.js';

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
    const a = r.conn.localAddress;
    host = a.includes(':') ? `[${a}]` : a;
  }
  const port = r.conn.localPort;
  const portText = conf.portInRedirect && port !== 80 ? ':' + port : '';
  return `http://${host}${portText}${location}`;
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
