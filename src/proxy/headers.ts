// The headers nginx's proxy sends upstream and passes back (ngx_http_proxy_create_request,
// ngx_http_upstream_process_headers): proxy_set_header values first (an empty value removes the
// header), then the defaults not overridden (Host: $proxy_host, Connection: close), then the
// client's own headers minus those replaced and the hop-by-hop ones. Back to the client: every
// upstream header except the hop-by-hop ones and the hidden ones, Location/Refresh rewritten.
import type http from 'node:http';
import type { ProxyLocation } from './location.js';
import { rewriteRedirect } from './redirect.js';

export type OutgoingHeaders = Record<string, string | string[]>;

// upstreamRequestHeaders's scratch lists (it runs synchronously): names and values in order.
const outNames: string[] = [];
const outValues: (string | string[])[] = [];

function put(name: string, value: string): void {
  outNames.push(name);
  outValues.push(value);
}

/**
 * The headers for the upstream, in nginx's order but with the object's keys REVERSED:
 * http-proxy copies them with util._extend, which walks the keys backwards, so this way they
 * reach the upstream in nginx's order.
 * @param bodyLength the Content-Length to send, "chunked" for a body streamed without one, or
 *   undefined for no body
 */
export function upstreamRequestHeaders(req: http.IncomingMessage, pl: ProxyLocation, values: readonly string[], proxyHostValue: string, lowercaseNames: boolean, bodyLength: string | undefined): OutgoingHeaders {
  const names = outNames;
  const vals = outValues;
  names.length = 0;
  vals.length = 0;
  const set = pl.setHeaders;
  for (let i = 0; i < set.length; i++) {
    const v = values[i];
    if (v !== '') put(lowercaseNames ? set[i].lower : set[i].name, v);
  }
  if (pl.defaultHost) put(lowercaseNames ? 'host' : 'Host', proxyHostValue);
  if (pl.defaultConnection) put(lowercaseNames ? 'connection' : 'Connection', 'close');
  // The body's framing, as nginx's $proxy_internal_body_length / $proxy_internal_chunked.
  if (bodyLength === 'chunked') put(lowercaseNames ? 'transfer-encoding' : 'Transfer-Encoding', 'chunked');
  else if (bodyLength !== undefined) put(lowercaseNames ? 'content-length' : 'Content-Length', bodyLength);
  if (pl.passRequestHeaders) {
    const raw = req.rawHeaders;
    const skip = pl.notFromClient;
    for (let i = 0; i < raw.length; i += 2) {
      const lower = raw[i].toLowerCase();
      if (skip.has(lower)) continue;
      // nginx passes a client's Trailer header; node's client throws on it unless the body is
      // chunked (ERR_HTTP_TRAILER_INVALID, uncaught), so it only goes with a chunked body.
      if (lower === 'trailer' && bodyLength !== 'chunked') continue;
      const name = lowercaseNames ? lower : raw[i];
      // A repeated name (exactly as written) becomes one entry with a list of values.
      const at = names.indexOf(name);
      if (at < 0) put(name, raw[i + 1]);
      else {
        const prev = vals[at];
        if (Array.isArray(prev)) prev.push(raw[i + 1]);
        else vals[at] = [prev, raw[i + 1]];
      }
    }
  }
  const out: OutgoingHeaders = {};
  for (let i = names.length - 1; i >= 0; i--) out[names[i]] = vals[i];
  return out;
}

/** Response headers that describe the upstream connection, not the response. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

/** Copies the upstream response headers onto `res` the way nginx passes them. */
export function passResponseHeaders(upstream: http.IncomingMessage, res: http.ServerResponse, pl: ProxyLocation): void {
  const raw = upstream.rawHeaders;
  const hide = pl.hide;
  let seen: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || hide.has(lower)) continue;
    let value = raw[i + 1];
    if ((lower === 'location' || lower === 'refresh') && pl.redirects.length > 0) {
      value = rewriteRedirect(pl.redirects, value, lower === 'refresh') ?? value;
    }
    // The first occurrence replaces what the server set already (Server with proxy_pass_header).
    seen ??= new Set();
    if (seen.has(lower)) res.appendHeader(name, value);
    else {
      seen.add(lower);
      res.setHeader(name, value);
    }
  }
}

/** responseHeaderList's scratch list of the lowercase names passed so far (it runs synchronously). */
const seenNames: string[] = [];

/**
 * What passResponseHeaders would set, as one flat list for writeHead, where that puts the same
 * bytes on the wire: undefined when a name repeats (setHeader then appendHeader group repeats at
 * the first one) or the upstream's Server or Date is passed (it replaces the server's own).
 */
export function responseHeaderList(upstream: http.IncomingMessage, pl: ProxyLocation): string[] | undefined {
  const raw = upstream.rawHeaders;
  const hide = pl.hide;
  const list: string[] = [];
  const seen = seenNames;
  seen.length = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || hide.has(lower)) continue;
    if (lower === 'server' || lower === 'date') return undefined;
    for (let j = 0; j < seen.length; j++) if (seen[j] === lower) return undefined;
    seen.push(lower);
    let value = raw[i + 1];
    if ((lower === 'location' || lower === 'refresh') && pl.redirects.length > 0) {
      value = rewriteRedirect(pl.redirects, value, lower === 'refresh') ?? value;
    }
    list.push(name, value);
  }
  return list;
}

/** $proxy_add_x_forwarded_for: the client's X-Forwarded-For with its address appended. */
export function proxyAddXForwardedFor(req: http.IncomingMessage): string {
  const addr = req.socket.remoteAddress ?? '';
  const xff = req.headers['x-forwarded-for'];
  return xff !== undefined && xff !== '' ? `${xff}, ${addr}` : addr;
}
