// The headers nginx's proxy sends upstream and passes back (ngx_http_proxy_create_request,
// ngx_http_upstream_process_headers): proxy_set_header values first (an empty value removes the
// header), then the defaults not overridden (Host: $proxy_host, Connection: close), then the
// client's own headers minus those replaced and the hop-by-hop ones. Back to the client: every
// upstream header except the hop-by-hop ones and the hidden ones, Location/Refresh rewritten.
import type http from 'node:http';
import { storeHeader } from '../node-internals.js';
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
  collectRequestHeaders(req, pl, values, proxyHostValue, lowercaseNames, bodyLength);
  const names = outNames;
  const vals = outValues;
  const out: OutgoingHeaders = {};
  for (let i = names.length - 1; i >= 0; i--) out[names[i]] = vals[i];
  return out;
}

/** Fills outNames/outValues: the headers in nginx's order, a repeated name as one entry. */
function collectRequestHeaders(req: http.IncomingMessage, pl: ProxyLocation, values: readonly string[], proxyHostValue: string, lowercaseNames: boolean, bodyLength: string | undefined): void {
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
}

// Header names node's client accepts (its checkIsHttpToken) and values it accepts.
const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
// eslint-disable-next-line no-control-regex
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const INDEX_LIKE = /^(?:0|[1-9]\d*)$/;

// upstreamRequestHeaderList's scratch lists: node's header store, by lowercase name.
const storeLower: string[] = [];
const storeNames: string[] = [];
const storeValues: (string | string[])[] = [];

/**
 * The header block upstreamRequestHeaders describes, as the flat list node's client writes for
 * it, for the request's _storeHeader to write directly: no setHeader per header, no copies of
 * the headers object. It reproduces node's store: names are keys as written, a repeated one
 * keeps its place with every value, a name differing only in case takes the earlier one's
 * place (setHeader lowercases), several Cookie values join with "; ".
 * Undefined where the object must go the usual way: no Host (node adds its own), a name or
 * value node refuses (its error must come from the request's constructor), an index-like name
 * (the object would put it first) or __proto__ (the object would drop it); and always when this
 * Node has no _storeHeader to take the list (node-internals): the proxy would send only a Host.
 */
export function upstreamRequestHeaderList(req: http.IncomingMessage, pl: ProxyLocation, values: readonly string[], proxyHostValue: string, bodyLength: string | undefined): string[] | undefined {
  if (storeHeader === undefined) return undefined;
  collectRequestHeaders(req, pl, values, proxyHostValue, false, bodyLength);
  const names = outNames;
  const vals = outValues;
  const lower = storeLower;
  const sNames = storeNames;
  const sValues = storeValues;
  lower.length = 0;
  sNames.length = 0;
  sValues.length = 0;
  let hasHost = false;
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (!TOKEN.test(name) || INDEX_LIKE.test(name) || name === '__proto__') return undefined;
    const v = vals[i];
    if (typeof v === 'string') {
      if (INVALID_VALUE.test(v)) return undefined;
    } else {
      for (let k = 0; k < v.length; k++) if (INVALID_VALUE.test(v[k])) return undefined;
    }
    const l = name.toLowerCase();
    if (l === 'host') hasHost = true;
    const at = lower.indexOf(l);
    if (at < 0) {
      lower.push(l);
      sNames.push(name);
      sValues.push(v);
    } else {
      sNames[at] = name;
      sValues[at] = v;
    }
  }
  if (!hasHost) return undefined;
  const list: string[] = [];
  for (let i = 0; i < sNames.length; i++) {
    const v = sValues[i];
    if (typeof v === 'string') list.push(sNames[i], v);
    else if (v.length >= 2 && lower[i] === 'cookie') list.push(sNames[i], v.join('; '));
    else for (let k = 0; k < v.length; k++) list.push(sNames[i], v[k]);
  }
  return list;
}

/** Response headers that describe the upstream connection, not the response. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

/** Where a Location rewritten by proxy_redirect goes next (the core's header filter). */
export interface RedirectTarget {
  /** A relative Location made absolute, as nginx's header filter does for a rewritten one. */
  absoluteRedirect?(location: string): string;
}

/**
 * proxy_redirect's rewrite of a Location or Refresh value. nginx hands a rewritten Location (only
 * that: not one passed as is, nor Refresh) to its header filter, which makes "/x" absolute.
 */
function rewritten(pl: ProxyLocation, lower: string, value: string, redirect: RedirectTarget): string {
  const result = rewriteRedirect(pl.redirects, value, lower === 'refresh');
  if (result === undefined) return value;
  return lower === 'location' && redirect.absoluteRedirect !== undefined ? redirect.absoluteRedirect(result) : result;
}

/** Copies the upstream response headers onto `res` the way nginx passes them. */
export function passResponseHeaders(upstream: http.IncomingMessage, res: http.ServerResponse, pl: ProxyLocation, redirect: RedirectTarget): void {
  const raw = upstream.rawHeaders;
  const hide = pl.hide;
  let seen: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || hide.has(lower)) continue;
    let value = raw[i + 1];
    if ((lower === 'location' || lower === 'refresh') && pl.redirects.length > 0) value = rewritten(pl, lower, value, redirect);
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
export function responseHeaderList(upstream: http.IncomingMessage, pl: ProxyLocation, redirect: RedirectTarget): string[] | undefined {
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
    if ((lower === 'location' || lower === 'refresh') && pl.redirects.length > 0) value = rewritten(pl, lower, value, redirect);
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
