// The response class given to node's http.Server. Every response — static files, the core's own
// pages, proxied ones — passes through writeHead, so this is the one place where nginx's
// header-time rules apply: the status an error_page forces, nginx's reason phrases, Server,
// add_header and expires (only on nginx's "safe" statuses unless `always`), keep-alive limits
// and send_timeout. (nginx does the same in its header filters.)
import http from 'node:http';
import { httpDateNow } from '../log/clock.js';
import { headerStoreUnused, setKeepAliveHeaderTimeout } from '../node-internals.js';
import type { HttpRequest } from './request.js';
import type { BodyFilter } from './module.js';
import { closesConnection, reasonPhrase } from './special-response.js';

type Headers = http.OutgoingHttpHeaders | http.OutgoingHttpHeader[];

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
  /** The first and last body filter installed for this response (null: none). */
  private ngtsBodyIn: BodyFilter | null = null;
  private ngtsBodyOut: BodyFilter | null = null;

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
    if (this.ngtsBodyIn === null && !this.headersSent) this.headersBeforeBody();
    if (this.ngtsBodyIn !== null) return this.ngtsBodyIn.write(chunk, encoding, callback);
    return this.rawWrite(chunk, encoding, callback);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override end(chunk?: any, encoding?: any, callback?: any): this {
    if (this.ngtsBodyIn === null && !this.headersSent) this.headersBeforeBody();
    if (this.ngtsBodyIn !== null) {
      this.ngtsBodyIn.end(chunk, encoding, callback);
      return this;
    }
    return this.rawEnd(chunk, encoding, callback);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private rawWrite(chunk: any, encoding?: any, callback?: any): boolean {
    this.ngtsBodyBytes += byteLength(chunk, encoding);
    const accepted = (super.write as (c: unknown, e: unknown, cb: unknown) => boolean)(chunk, encoding, callback);
    if (this.ngtsSendTimeout !== 0) this.armSendTimeout();
    return accepted;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private rawEnd(chunk?: any, encoding?: any, callback?: any): this {
    if (typeof chunk !== 'function') this.ngtsBodyBytes += byteLength(chunk, encoding);
    (super.end as (c: unknown, e: unknown, cb: unknown) => this)(chunk, encoding, callback);
    if (this.ngtsSendTimeout !== 0) this.armSendTimeout();
    return this;
  }

  /**
   * A body written before writeHead (statusCode and setHeader, then end(body)): where the level
   * has header filters, they run now, before the first byte, so that one may install a body
   * filter. Elsewhere node writes the head itself, as before.
   */
  private headersBeforeBody(): void {
    const r = this.ngts;
    const level = r === undefined ? undefined : r.level ?? r.vhost?.level;
    if (level === undefined || level.headerFilters.length === 0) return;
    this.writeHead(this.statusCode);
  }

  /**
   * A body filter for this response (called by a header filter): the body the content handler
   * writes goes through it, and through the filters installed after it, to the client.
   */
  addBodyFilter(filter: BodyFilter): void {
    const last = this.ngtsBodyOut;
    this.ngtsBodyOut = filter;
    if (last === null) {
      this.ngtsBodyIn = filter;
      // A writer waiting for 'drain' (a pipe, FileSender) waits on the filter's input.
      filter.on('drain', () => this.emit('drain'));
      filter.on('error', (e: Error) => this.destroy(e));
    } else {
      last.pipe(filter);
      filter.on('error', (e: Error) => this.destroy(e));
    }
  }

  /** After the header filters: the last body filter's output goes to the client. */
  private connectBodyFilters(): void {
    const out = this.ngtsBodyOut;
    if (out === null) return;
    const resume = (): void => {
      out.resume();
    };
    out.on('data', (chunk: Buffer) => {
      if (!this.rawWrite(chunk)) {
        out.pause();
        this.once('drain', resume);
      }
    });
    out.once('end', () => this.rawEnd());
  }

  override writeHead(statusCode: number, reason?: string | Headers, headers?: Headers): this {
    const r = this.ngts;
    if (r === undefined || this.headersSent) {
      this.storeBaseHeaders();
      return super.writeHead(statusCode, reason as string, headers as Headers);
    }
    const status = r.errStatus || statusCode;
    r.status = status;
    const extra = (typeof reason === 'string' ? headers : reason) as Headers | undefined;
    if (this.fastHead(r, status, statusCode, reason, extra)) return this;
    this.storeBaseHeaders();
    // The headers given to writeHead join the store first (as node would merge them: a name
    // given replaces what was set, repeats stay), so that header filters see every header.
    if (extra !== undefined) storeHeaders(this, extra);
    // ngx_http_header_filter drops Last-Modified unless the status is 200, 206 or 304.
    if (status !== 200 && status !== 206 && status !== 304) this.removeHeader('Last-Modified');
    this.applyNgtsHeaders(r, status);
    const text = typeof reason === 'string' ? reason : (status === statusCode && this.statusMessage) || reasonPhrase(status);
    return super.writeHead(status, text);
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
    return level !== undefined && level.headerFilters.length === 0;
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

  /**
   * Applied once, when the status line is written: Server, then the header filters of the
   * modules configured at the level (nginx's header filter chain), then the connection rules.
   */
  private applyNgtsHeaders(r: HttpRequest, status: number): void {
    if (this.ngtsHeadersApplied) return;
    this.ngtsHeadersApplied = true;
    const level = r.level ?? r.vhost?.level;
    if (!level) return;
    if (!this.keepServerHeader) this.setHeader('Server', level.serverHeader);
    const filters = level.headerFilters;
    for (let i = 0; i < filters.length; i++) filters[i].filter(r, this, status, filters[i].state);
    this.applyConnectionRules(r, level.conf, status);
    this.connectBodyFilters();
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

}

/** node's merge of writeHead's headers into the store: a name given replaces, repeats stay. */
function storeHeaders(res: http.ServerResponse, headers: Headers): void {
  if (!Array.isArray(headers)) {
    for (const k of Object.keys(headers)) {
      const v = headers[k];
      if (v !== undefined) res.setHeader(k, v);
    }
    return;
  }
  const pairs = headers.length > 0 && Array.isArray(headers[0]);
  const name = (i: number): string => String(pairs ? (headers[i] as unknown as string[])[0] : headers[i * 2]);
  const value = (i: number): string => String(pairs ? (headers[i] as unknown as string[])[1] : headers[i * 2 + 1]);
  const n = pairs ? headers.length : headers.length >> 1;
  for (let i = 0; i < n; i++) res.removeHeader(name(i));
  for (let i = 0; i < n; i++) res.appendHeader(name(i), value(i));
}

function byteLength(chunk: unknown, encoding: unknown): number {
  if (chunk === undefined || chunk === null) return 0;
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? encoding as BufferEncoding : 'utf8');
  return (chunk as Uint8Array).byteLength ?? 0;
}

