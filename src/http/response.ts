// The response class given to node's http.Server. Every response — static files, the core's own
// pages, proxied ones — passes through writeHead, so this is the one place where nginx's
// header-time rules apply: the status an error_page forces, nginx's reason phrases, Server,
// add_header and expires (only on nginx's "safe" statuses unless `always`), keep-alive limits
// and send_timeout. (nginx does the same in its header filters.)
import http from 'node:http';
import { httpDate, httpDateNow } from '../log/clock.js';
import { headerStoreUnused, setKeepAliveHeaderTimeout } from '../node-internals.js';
import type { HttpRequest } from './request.js';
import { closesConnection, isSafeStatus, reasonPhrase } from './special-response.js';

type Headers = http.OutgoingHttpHeaders | http.OutgoingHttpHeader[];

// eslint-disable-next-line no-control-regex
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

// "Thu, 31 Dec 2037 23:55:55 GMT" and 10 years, as nginx's `expires max` writes them.
const EXPIRES_MAX = 'Thu, 31 Dec 2037 23:55:55 GMT';
const EXPIRES_EPOCH = 'Thu, 01 Jan 1970 00:00:01 GMT';

// node's store of headers set one by one is null until the first setHeader (headerStoreUnused).
// While it is, writeHead(status, flatList) hands the list straight to _storeHeader; once anything
// was set, node merges the list into the store header by header (removeHeader + appendHeader
// each), which the profile showed costing more than formatting the response itself.

export class NgtsResponse extends http.ServerResponse {
  /** The request this response answers; set by the core before anything is written. */
  ngts: HttpRequest | undefined = undefined;
  private ngtsHeadersApplied = false;
  /**
   * A module passed its own Server header (the proxy with proxy_pass_header Server): nginx's
   * header filter adds Server only when the response has none.
   */
  keepServerHeader = false;
  /** send_timeout in ms, until armSendTimeout arms it on the socket (0: armed, or none). */
  private ngtsSendTimeout = 0;
  /** Body bytes handed to write()/end(): $body_bytes_sent of this response alone, even pipelined. */
  ngtsBodyBytes = 0;
  /** The flat header list written by the fast path of writeHead, for getHeader ($sent_http_*). */
  private ngtsRawHeaders: readonly string[] | null = null;
  /**
   * Every response starts with Server (the default server's, until the location's replaces it)
   * and Date, ahead of any other header. They enter node's header store only when some other
   * header does (or when someone reads the store): the fast path of writeHead writes them
   * straight into its list instead.
   */
  private ngtsBaseServer: string | null = null;

  /** Called by the core when the request arrives (see ngtsBaseServer). */
  startHeaders(defaultServerHeader: string): void {
    this.sendDate = false;
    this.ngtsBaseServer = defaultServerHeader;
  }

  private storeBaseHeaders(): void {
    const server = this.ngtsBaseServer;
    if (server === null) return;
    this.ngtsBaseServer = null;
    super.setHeader('Server', server);
    super.setHeader('Date', httpDateNow());
  }

  override setHeader(name: string, value: number | string | readonly string[]): this {
    if (this.ngtsBaseServer !== null) this.storeBaseHeaders();
    return super.setHeader(name, value);
  }

  override appendHeader(name: string, value: string | readonly string[]): this {
    if (this.ngtsBaseServer !== null) this.storeBaseHeaders();
    return super.appendHeader(name, value);
  }

  override removeHeader(name: string): void {
    if (this.ngtsBaseServer !== null) this.storeBaseHeaders();
    super.removeHeader(name);
  }

  override hasHeader(name: string): boolean {
    if (this.ngtsBaseServer !== null) this.storeBaseHeaders();
    return this.ngtsRawHeaders === null ? super.hasHeader(name) : this.getHeader(name) !== undefined;
  }

  override getHeaders(): http.OutgoingHttpHeaders {
    if (this.ngtsBaseServer !== null) this.storeBaseHeaders();
    return super.getHeaders();
  }

  override getHeaderNames(): string[] {
    if (this.ngtsBaseServer !== null) this.storeBaseHeaders();
    return super.getHeaderNames();
  }

  // Fixed parameters rather than rest arguments: no array per call on the hot path. node's
  // write/end take a callback in any position and treat undefined as absent.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override write(chunk: any, encoding?: any, callback?: any): boolean {
    this.ngtsBodyBytes += byteLength(chunk, encoding);
    const accepted = (super.write as (c: unknown, e: unknown, cb: unknown) => boolean)(chunk, encoding, callback);
    if (this.ngtsSendTimeout !== 0) this.armSendTimeout();
    return accepted;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override end(chunk?: any, encoding?: any, callback?: any): this {
    if (typeof chunk !== 'function') this.ngtsBodyBytes += byteLength(chunk, encoding);
    (super.end as (c: unknown, e: unknown, cb: unknown) => this)(chunk, encoding, callback);
    if (this.ngtsSendTimeout !== 0) this.armSendTimeout();
    return this;
  }

  override writeHead(statusCode: number, reason?: string | Headers, headers?: Headers): this {
    const r = this.ngts;
    if (r === undefined || this.headersSent) {
      this.storeBaseHeaders();
      return super.writeHead(statusCode, reason as string, headers as Headers);
    }
    const status = r.errStatus || statusCode;
    r.status = status;
    let extra = (typeof reason === 'string' ? headers : reason) as Headers | undefined;
    if (this.fastHead(r, status, statusCode, reason, extra)) return this;
    this.storeBaseHeaders();
    // ngx_http_header_filter drops Last-Modified unless the status is 200, 206 or 304.
    if (status !== 200 && status !== 206 && status !== 304) {
      this.removeHeader('Last-Modified');
      if (extra) extra = withoutHeader(extra, 'last-modified');
    }
    this.applyNgtsHeaders(status, extra);
    const text = typeof reason === 'string' ? reason : (status === statusCode && this.statusMessage) || reasonPhrase(status);
    return super.writeHead(status, text, extra as Headers);
  }

  /**
   * The common static case (a flat header list, nothing set before, no add_header / expires, a
   * status that keeps Last-Modified): the same headers in the same order as the general path
   * (Server, Date, then the list), written by node without building its header store.
   */
  private fastHead(r: HttpRequest, status: number, statusCode: number, reason: string | Headers | undefined, extra: Headers | undefined): boolean {
    if (!Array.isArray(extra) || (extra.length > 0 && typeof extra[0] !== 'string')) return false;
    if (!this.takesHeaderList(statusCode)) return false;
    const level = (r.level ?? r.vhost?.level)!;
    this.ngtsHeadersApplied = true;
    this.ngtsBaseServer = null;
    this.applyConnectionRules(r, level.conf, status);
    const list = extra as string[];
    const raw = new Array<string>(list.length + 4);
    raw[0] = 'Server';
    raw[1] = level.serverHeader;
    raw[2] = 'Date';
    raw[3] = httpDateNow();
    for (let i = 0; i < list.length; i++) raw[i + 4] = list[i];
    this.ngtsRawHeaders = raw;
    const text = typeof reason === 'string' ? reason : (status === statusCode && this.statusMessage) || reasonPhrase(status);
    super.writeHead(status, text, raw);
    return true;
  }

  /**
   * Whether writeHead(status, flatList) would write Server, Date and the list as they are (the
   * fast path): then a module holding headers one by one (the proxy) can hand them over as one
   * list instead of setHeader each, and the same bytes go out. Otherwise the general path's
   * rules (add_header, expires, an earlier setHeader) need the headers set one by one.
   */
  takesHeaderList(statusCode: number): boolean {
    if (this.ngtsBaseServer === null || this.ngtsHeadersApplied || this.keepServerHeader) return false;
    const r = this.ngts;
    if (r === undefined || this.headersSent) return false;
    const status = r.errStatus || statusCode;
    if (status !== 200 && status !== 206 && status !== 304) return false;
    if (!headerStoreUnused(this)) return false;
    const level = r.level ?? r.vhost?.level;
    return level !== undefined && level.onlyServerHeader;
  }

  /** After the fast path the headers live in its list, not in node's store. */
  override getHeader(name: string): number | string | string[] | undefined {
    if (this.ngtsBaseServer !== null) this.storeBaseHeaders();
    const raw = this.ngtsRawHeaders;
    if (raw === null) return super.getHeader(name);
    const lower = name.toLowerCase();
    let found: string | string[] | undefined;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (raw[i].toLowerCase() !== lower) continue;
      found = found === undefined ? raw[i + 1] : Array.isArray(found) ? [...found, raw[i + 1]] : [found, raw[i + 1]];
    }
    return found;
  }

  /** Applied once, when the status line is written; `extra`: the headers given to writeHead. */
  private applyNgtsHeaders(status: number, extra: Headers | undefined): void {
    const r = this.ngts;
    if (r === undefined || this.ngtsHeadersApplied) return;
    this.ngtsHeadersApplied = true;
    const level = r.level ?? r.vhost?.level;
    if (!level) return;
    if (!this.keepServerHeader) this.setHeader('Server', level.serverHeader);
    const safe = isSafeStatus(status);
    if (safe && level.expires.kind !== 'off') this.setExpires(level.expires, extra);
    const list = level.addHeaders;
    for (let i = 0; i < list.length; i++) {
      const h = list[i];
      if (!safe && !h.always) continue;
      const value = h.value.evaluate(r);
      // A value from variables may hold characters no header can carry: nginx would send them
      // raw; node refuses them, so the header is left out rather than failing the response.
      if (value !== '' && !INVALID_HEADER_VALUE.test(value)) this.appendHeader(h.name, value);
    }
    this.applyConnectionRules(r, level.conf, status);
  }

  /** keepalive_requests, keepalive_timeout and send_timeout, for this response. */
  private applyConnectionRules(r: HttpRequest, conf: NonNullable<HttpRequest['level']>['conf'], status: number): void {
    if (r.connectionRequests >= conf.keepaliveRequests || conf.keepaliveTimeout === 0 || closesConnection(status)) {
      this.shouldKeepAlive = false;
    }
    // node adds "Keep-Alive: timeout=N" on its own; nginx only with keepalive_timeout's 2nd value.
    setKeepAliveHeaderTimeout(this, conf.keepaliveHeaderTimeout ?? 0);
    // send_timeout bounds a write the client does not take (nginx arms it when a write would
    // block). Most responses go to the kernel whole at once, and node then arms keepalive_timeout
    // itself: the timer is armed only once a write leaves bytes queued (armSendTimeout), which
    // spares two timer updates per request. A response queued behind a pipelined one is not on the
    // socket yet: its timer is armed now.
    if (this.socket === null) r.socket.setTimeout(conf.sendTimeout);
    else this.ngtsSendTimeout = conf.sendTimeout;
  }

  /** After a write: arms send_timeout if the socket could not take everything at once. */
  private armSendTimeout(): void {
    const socket = this.socket;
    if (socket === null || socket.writableLength === 0) return;
    socket.setTimeout(this.ngtsSendTimeout);
    this.ngtsSendTimeout = 0;
  }

  // ngx_http_set_expires: Expires and Cache-Control, from the access time or Last-Modified.
  private setExpires(e: NonNullable<HttpRequest['level']>['expires'], extra: Headers | undefined): void {
    if (e.kind === 'max') {
      this.setHeader('Expires', EXPIRES_MAX);
      this.setHeader('Cache-Control', 'max-age=315360000');
      return;
    }
    if (e.kind === 'epoch') {
      this.setHeader('Expires', EXPIRES_EPOCH);
      this.setHeader('Cache-Control', 'no-cache');
      return;
    }
    if (e.kind === 'off') return;
    const now = Math.floor(Date.now() / 1000);
    let expiresAt: number;
    let maxAge: number;
    if (e.kind === 'daily') {
      expiresAt = nextTimeOfDay(now, e.seconds);
      maxAge = expiresAt - now;
    } else {
      const lm = e.kind === 'modified' ? Date.parse(String(this.getHeader('Last-Modified') ?? headerIn(extra, 'last-modified') ?? '')) : NaN;
      if (Number.isNaN(lm)) {
        maxAge = e.seconds;
        expiresAt = now + e.seconds;
      } else {
        expiresAt = Math.floor(lm / 1000) + e.seconds;
        maxAge = expiresAt - now;
      }
    }
    this.setHeader('Expires', httpDate(expiresAt * 1000));
    const negative = (e.kind !== 'daily' && e.seconds < 0) || maxAge < 0;
    this.setHeader('Cache-Control', negative ? 'no-cache' : `max-age=${maxAge}`);
  }
}

function headerIn(headers: Headers | undefined, lower: string): unknown {
  if (!headers) return undefined;
  if (!Array.isArray(headers)) {
    for (const k of Object.keys(headers)) if (k.toLowerCase() === lower) return headers[k];
    return undefined;
  }
  if (headers.length > 0 && Array.isArray(headers[0])) {
    return (headers as unknown as [string, string][]).find(([k]) => k.toLowerCase() === lower)?.[1];
  }
  for (let i = 0; i + 1 < headers.length; i += 2) if (String(headers[i]).toLowerCase() === lower) return headers[i + 1];
  return undefined;
}

/** `headers` as writeHead takes them (an object, [name, value] pairs or a flat list) minus one name. */
function withoutHeader(headers: Headers, lower: string): Headers {
  if (!Array.isArray(headers)) {
    const copy: http.OutgoingHttpHeaders = {};
    for (const k of Object.keys(headers)) if (k.toLowerCase() !== lower) copy[k] = headers[k];
    return copy;
  }
  if (headers.length > 0 && Array.isArray(headers[0])) {
    return (headers as unknown as [string, string][]).filter(([k]) => k.toLowerCase() !== lower) as unknown as Headers;
  }
  const out: http.OutgoingHttpHeader[] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (String(headers[i]).toLowerCase() !== lower) out.push(headers[i], headers[i + 1]);
  }
  return out;
}

function byteLength(chunk: unknown, encoding: unknown): number {
  if (chunk === undefined || chunk === null) return 0;
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? encoding as BufferEncoding : 'utf8');
  return (chunk as Uint8Array).byteLength ?? 0;
}

/** ngx_next_time: the next moment (local time) at `secondsOfDay` after `now`. */
function nextTimeOfDay(now: number, secondsOfDay: number): number {
  const d = new Date(now * 1000);
  d.setHours(0, 0, 0, 0);
  let t = Math.floor(d.getTime() / 1000) + secondsOfDay;
  if (t <= now) {
    d.setDate(d.getDate() + 1);
    t = Math.floor(d.getTime() / 1000) + secondsOfDay;
  }
  return t;
}
