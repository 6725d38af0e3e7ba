// The proxy content handler: sends one request to an upstream through http-proxy, walking the
// peers the balancer picks until one answers or proxy_next_upstream says stop, and streams the
// answer back. The HTTP core calls it once it has chosen the location and evaluated the
// variables; the outcome tells the core what to do next (nothing, or error_page for 502/504).
//
// http-proxy (1.18) is used with its traps guarded here: every call passes an error callback
// (an 'error' with no listener would crash the worker); a client that goes away destroys the
// upstream request ('aborted' no longer fires on Node ≥ 15.5, so sockets would leak); headers
// are computed before the call (edits in 'proxyReq' are lost with Expect: 100-continue, which
// nginx does not forward anyway); an agent is always given (without one http-proxy forces
// Connection: close); timeouts are ngts's own timers, so they answer 504, not a reset; a
// client's Trailer header is dropped unless the body is chunked (node's client throws on it).
//
// How the HTTP core uses it:
//   per worker:      proxy = new ProxyHandler(errorLog)
//   per generation:  upstreams = new Upstreams(config.http.upstreams); for each location with
//                    proxy_pass: compileProxyLocation(loc, location, upstreams); on reload the
//                    old generation's upstreams.retire()
//   per request:     pass = pl.pass ?? parseProxyPass(evaluated pl.passTemplate) (undefined: 500)
//                    upstream = pl.upstream ?? resolveUpstream(pass, upstreams)
//                    uri = upstreamUri(pass.uri, pl.hasVariables, pl.locationPrefix, {unparsed, uri, args})
//                    headerValues = pl.setHeaders values evaluated ($proxy_host = proxyHost(pass),
//                      $proxy_port = pass.port, $proxy_add_x_forwarded_for = proxyAddXForwardedFor(req))
//                    hashKey = upstream.hashKey evaluated, or ""
//                    proxy.handle(req, res, plan, done) — or proxy.upgrade(req, socket, head, plan,
//                      done) from the server's 'upgrade' event
//   done(outcome, upstreamLog): 'failed' → answer outcome.status (502/504) through error_page;
//                    'client_closed' → log 499; upstreamLog gives $upstream_addr (addr),
//                    $upstream_status (statusText), $upstream_response_time, _connect_time, _header_time.
import http, { ServerResponse } from 'node:http';
import type net from 'node:net';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import httpProxy from 'http-proxy';
import type { ErrorLog } from '../log/error-log.js';
import { replaceStoreHeader, storeHeader, type StoreHeader } from '../node-internals.js';
import { setAgentHook, withAgentHook, type AgentHook } from './agent.js';
import { describeFailure, PHASE_ACTION, timeoutFailure, type UpstreamFailure, type UpstreamPhase } from './errors.js';
import { passResponseHeaders, responseHeaderList, upstreamRequestHeaderList, upstreamRequestHeaders } from './headers.js';
import { proxyHost, type ProxyLocation } from './location.js';
import { FT_ERROR, FT_HTTP_403, FT_HTTP_404, FT_NON_IDEMPOTENT, FT_TIMEOUT, isNonIdempotent, STATUS_FAILURES } from './next-upstream.js';
import { releasePeer, type Peer, type PeerOutcome, type PeerSelection } from './peers.js';
import { UpstreamLog } from './upstream-log.js';
import type { Upstream } from './upstreams.js';
import type { ProxyPassUrl } from './uri.js';

/** Everything the core evaluated for this request. */
export interface ProxyPlan {
  location: ProxyLocation;
  /** proxy_pass's URL (location.pass, or the evaluated one when it has variables). */
  pass: ProxyPassUrl;
  upstream: Upstream;
  /** The URI to send, from upstreamUri(). */
  uri: string;
  /** The values of location.setHeaders, evaluated, in the same order ("" drops a header). */
  headerValues: readonly string[];
  /** The upstream's `hash` key, evaluated ("" when the upstream has none). */
  hashKey: string;
  /** server_name of the chosen server, for the error log context. */
  serverName: string;
  /** Called right before the response status line is written (add_header and the like). */
  beforeHeaders?(res: http.ServerResponse, status: number): void;
  /** Where $upstream_* are recorded (the core reads it while the request runs); else a new one. */
  upstreamLog?: UpstreamLog;
  /**
   * Writes the error-log lines with the core's request context and connection number; without
   * it the handler builds the context itself from the node request.
   */
  errorContext?: ProxyErrorContext;
  /** client_max_body_size (0: no limit), checked on bodies without Content-Length (chunked). */
  maxBodySize?: number;
}

export interface ProxyErrorContext {
  /** `message` is "… while connecting to upstream"; `upstream` the URL nginx prints after the request. */
  logUpstreamError(level: 'error' | 'warn', message: string, upstream: string): void;
  /** A chunked body over client_max_body_size: nginx's wording is the core's concern. */
  logBodyTooLarge(size: number): void;
}

export type ProxyOutcome =
  /** An upstream response was passed (completely, or cut when the upstream failed mid-body). */
  | { kind: 'responded'; status: number }
  /**
   * Nothing was sent: the core answers `status` (502 or 504; 413 for a chunked body over
   * client_max_body_size, then the connection closes), through error_page.
   */
  | { kind: 'failed'; status: 502 | 504 | 413 }
  /** The client went away first: nothing more to send; nginx logs 499. */
  | { kind: 'client_closed' };

export type ProxyDone = (outcome: ProxyOutcome, upstream: UpstreamLog) => void;

/**
 * Request bodies up to this size are read before the upstream is contacted, as nginx buffers
 * them: a retry can resend them, and a chunked one goes upstream with a Content-Length. Larger
 * bodies stream (memory stays flat), so they are not retried once sent, and a chunked one
 * stays chunked (over HTTP/1.1 even with proxy_http_version 1.0).
 */
const RETRY_BODY_LIMIT = 64 * 1024;

export class ProxyHandler {
  private readonly proxy: httpProxy;

  constructor(private readonly errorLog: ErrorLog) {
    this.proxy = httpProxy.createProxyServer({ selfHandleResponse: true, toProxy: true, prependPath: false });
    // Every call passes a callback; this listener only keeps a stray error from crashing the worker.
    this.proxy.on('error', () => {});
    this.proxy.on('econnreset', () => {});
  }

  /** Proxies `req`; `done` is called once, when the exchange is over. */
  handle(req: http.IncomingMessage, res: http.ServerResponse, plan: ProxyPlan, done: ProxyDone): void {
    const run = new ProxyRun(this, req, res, plan, done);
    const length = req.headers['content-length'];
    if (!run.hasBody) run.start();
    else if (length !== undefined && Number(length) > RETRY_BODY_LIMIT) run.streamBody([]);
    else run.readBody();
  }

  /** Proxies an Upgrade request (WebSocket) from the server's 'upgrade' event. */
  upgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer, plan: ProxyPlan, done: ProxyDone): void {
    if (!plan.location.setHeaders.some((h, i) => h.lower === 'upgrade' && plan.headerValues[i] !== '')) {
      this.upgradeAsPlainRequest(req, socket, plan, done);
      return;
    }
    const log = plan.upstreamLog ?? new UpstreamLog();
    const sel = plan.upstream.select(socket.remoteAddress ?? '', plan.hashKey);
    const peer = plan.upstream.balancer.pick(sel, Date.now());
    if (peer === undefined) {
      this.logFailure(req, plan, undefined, 'no live upstreams', 'connecting');
      log.begin(plan.upstream.name);
      log.status(502);
      socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      done({ kind: 'failed', status: 502 }, log);
      return;
    }
    log.begin(peer.name);
    const started = Date.now();
    const headers = upstreamRequestHeaders(req, plan.location, plan.headerValues, proxyHost(plan.pass), true, undefined);
    const view = new UpstreamRequestView(req, plan.uri, headers);
    let finished = false;
    let answered = false;
    const finish = (outcome: PeerOutcome, result: ProxyOutcome): void => {
      if (finished) return;
      finished = true;
      releasePeer(peer, outcome, Date.now());
      log.finished(Date.now() - started);
      done(result, log);
    };
    socket.once('close', () => finish('ok', { kind: 'responded', status: 101 }));
    const hook: AgentHook = {
      attach(proxyReq) {
        proxyReq.path = plan.uri;
        proxyReq.once('socket', (s: net.Socket) => {
          if (!s.connecting) log.connected(0);
          else s.once('connect', () => log.connected(Date.now() - started));
        });
        proxyReq.once('upgrade', (upRes: http.IncomingMessage, upSocket: net.Socket) => {
          answered = true;
          log.status(upRes.statusCode ?? 101);
          // nginx closes a tunnel idle (both ways) for proxy_read_timeout. After http-proxy's
          // own 'upgrade' listener, which clears the socket's timeout.
          process.nextTick(() => upSocket.setTimeout(plan.location.readTimeout, () => {
            upSocket.destroy();
            socket.destroy();
          }));
        });
        proxyReq.once('response', (upRes: http.IncomingMessage) => {
          answered = true;
          log.status(upRes.statusCode ?? 0);
        });
      },
    };
    withAgentHook(hook, () => {
      // http-proxy ends the client socket after this callback, so an Upgrade request gets no
      // second peer; it gets nginx's 502 status line when nothing was answered yet.
      this.proxy.ws(view as unknown as http.IncomingMessage, socket, head, this.options(plan, peer), (err: Error) => {
        if (finished) return;
        const phase = answered ? 'reading_body' : 'connecting';
        const failure = describeFailure(err as NodeJS.ErrnoException, phase, plan.pass.host);
        this.logFailure(req, plan, peer, failure.message, phase);
        if (answered) {
          finish('failed', { kind: 'responded', status: 101 });
          return;
        }
        log.status(502);
        if (socket.writable) socket.write('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        finish('failed', { kind: 'failed', status: 502 });
      });
    });
  }

  /**
   * Without `proxy_set_header Upgrade …` nginx sends an Upgrade request as a plain one (its
   * Upgrade and Connection headers dropped) and passes the answer: the same here, through a
   * response object on the raw socket. The connection closes after it; a failure is answered
   * here (error_page does not apply on this path).
   */
  private upgradeAsPlainRequest(req: http.IncomingMessage, socket: net.Socket, plan: ProxyPlan, done: ProxyDone): void {
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket);
    res.once('finish', () => socket.end());
    this.handle(req, res, plan, (outcome, log) => {
      if (outcome.kind === 'failed') {
        res.statusCode = outcome.status;
        res.end();
      }
      done(outcome, log);
    });
  }

  /** http-proxy's per-call options for one peer. */
  options(plan: ProxyPlan, peer: Peer, body?: Readable | EmptyBody): httpProxy.ServerOptions {
    const https = plan.pass.scheme === 'https';
    // Without a body and over plain HTTP they depend on the peer alone (a peer belongs to one
    // upstream, whose agent they name; `secure` and `ssl` matter only to https): made once.
    // http-proxy copies them before use.
    const cacheable = body === EMPTY_BODY && !https;
    if (cacheable) {
      const cached = (peer as CachingPeer)[PLAIN_OPTIONS];
      if (cached !== undefined) return cached;
    }
    const target = { protocol: https ? 'https:' : 'http:', host: peer.host, port: peer.port, path: '' };
    const options: httpProxy.ServerOptions = {
      target: target as unknown as httpProxy.ServerOptions["target"],
      agent: https ? plan.upstream.httpsAgent : plan.upstream.httpAgent,
      secure: plan.location.sslVerify,
      buffer: body as unknown as httpProxy.ServerOptions['buffer'],
    };
    // SNI only with proxy_ssl_server_name on, as nginx; the name is proxy_ssl_name or the host.
    if (https) {
      // node sends the host as SNI unless told otherwise: an empty name sends none.
      options.ssl = { servername: plan.location.sslServerName ? plan.location.sslName ?? plan.pass.host : '' };
    }
    if (cacheable) (peer as CachingPeer)[PLAIN_OPTIONS] = options;
    return options;
  }

  /** An error log line with nginx's request context. */
  logFailure(req: http.IncomingMessage, plan: ProxyPlan, peer: Peer | undefined, message: string, phase: UpstreamPhase, level: 'error' | 'warn' = 'error'): void {
    if (!this.errorLog.enabled(level)) return;
    const upstream = `${plan.pass.scheme}://${peer ? peer.name : plan.upstream.name}${plan.uri}`;
    if (plan.errorContext !== undefined) {
      plan.errorContext.logUpstreamError(level, `${message} while ${PHASE_ACTION[phase]}`, upstream);
      return;
    }
    const host = req.headers.host;
    this.errorLog.log(level, `*${connectionNumber(req)} ${message} while ${PHASE_ACTION[phase]}, client: ${req.socket.remoteAddress ?? '-'}, server: ${plan.serverName}, request: "${req.method} ${req.url} HTTP/${req.httpVersion}", upstream: "${upstream}"${host !== undefined ? `, host: "${host}"` : ''}`);
  }

  get library(): httpProxy {
    return this.proxy;
  }
}

/**
 * What http-proxy pipes into the upstream request when the client sent no body: it ends the
 * request at once, sparing a pipe from the (already ended) client request per request.
 */
interface EmptyBody {
  pipe<T extends NodeJS.WritableStream>(dest: T): T;
}
const EMPTY_BODY: EmptyBody = {
  pipe<T extends NodeJS.WritableStream>(dest: T): T {
    dest.end();
    return dest;
  },
};

const PLAIN_OPTIONS = Symbol('ngts.plainProxyOptions');
type CachingPeer = Peer & { [PLAIN_OPTIONS]?: httpProxy.ServerOptions };

/** http-proxy's error callback: the request view knows its attempt. */
function onProxyError(err: Error, view: http.IncomingMessage): void {
  (view as unknown as UpstreamRequestView).attempt!.onError(err as NodeJS.ErrnoException);
}

let nextConnection = 1;
const CONNECTION_NUMBER = Symbol('ngts.connectionNumber');

/** nginx's "*N" connection number in error lines: counted per worker, per client connection. */
function connectionNumber(req: http.IncomingMessage): number {
  const s = req.socket as net.Socket & { [CONNECTION_NUMBER]?: number };
  return (s[CONNECTION_NUMBER] ??= nextConnection++);
}

/**
 * What http-proxy reads of the client request: method, the URI to send, the computed headers.
 * The body comes from the real request (or its buffered copy), given as options.buffer.
 */
class UpstreamRequestView {
  readonly method: string;
  readonly headers: http.OutgoingHttpHeaders;
  readonly httpVersion = '1.1';
  readonly httpVersionMajor = 1;
  readonly httpVersionMinor = 1;
  readonly socket: net.Socket;
  readonly connection: net.Socket;
  /** The attempt this request is for (http-proxy's error callback gets the view). */
  attempt: Attempt | undefined = undefined;

  /** @param headers in nginx's order, reversed (see upstreamRequestHeaders) */
  constructor(private readonly req: http.IncomingMessage, readonly url: string, headers: http.OutgoingHttpHeaders) {
    this.method = req.method ?? 'GET';
    this.headers = headers;
    this.socket = req.socket;
    this.connection = req.socket;
  }

  on(event: string, listener: (...args: unknown[]) => void): this {
    // http-proxy listens for 'aborted' (unreliable) and 'error'; ngts watches the response instead.
    if (event === 'error') this.req.on('error', listener);
    return this;
  }

  pipe<T extends NodeJS.WritableStream>(dest: T): T {
    return this.req.pipe(dest);
  }
}

/** One client request's walk over the peers. */
class ProxyRun {
  readonly log: UpstreamLog;
  readonly sel: PeerSelection;
  readonly started = Date.now();
  /** Attempts left: nginx's pc->tries, capped by proxy_next_upstream_tries. */
  triesLeft: number;
  current: Attempt | undefined;
  /** The whole request body, when it was read first. */
  body: Buffer | undefined;
  /** The request body being streamed (read chunks first, then the rest of the request). */
  bodyStream: Readable | undefined;
  /** What goes in Content-Length, "chunked", or undefined without a body. */
  bodyLength: string | undefined;
  /** The body was streamed to a peer: it cannot be sent again. */
  bodyConsumed = false;
  hasBody: boolean;
  over = false;
  responded = false;
  /** The status the last failed peer answers with (502, or 504 after a timeout). */
  lastStatus: 502 | 504 = 502;
  /** The upstream status of the response passed to the client. */
  passedStatus = 0;

  constructor(readonly handler: ProxyHandler, readonly req: http.IncomingMessage, readonly res: http.ServerResponse, readonly plan: ProxyPlan, private readonly done: ProxyDone) {
    this.log = plan.upstreamLog ?? new UpstreamLog();
    this.sel = plan.upstream.select(req.socket.remoteAddress ?? '', plan.hashKey);
    const tries = plan.location.nextUpstreamTries;
    this.triesLeft = tries > 0 ? Math.min(tries, this.sel.tries) : this.sel.tries;
    const length = req.headers['content-length'];
    this.hasBody = (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
    // One listener per response, shared by the runs it serves (error_page may proxy again).
    const r = res as ProxiedResponse;
    if (r[RUN] === undefined) r.on('close', onClientResponseClose);
    r[RUN] = this;
  }

  /** Reads the body up to RETRY_BODY_LIMIT; a longer one is streamed from there on. */
  readBody(): void {
    const req = this.req;
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      chunks.push(c);
      size += c.length;
      if (this.overLimit(size)) {
        req.removeListener('data', onData);
        req.removeListener('end', onEnd);
        req.pause();
        this.tooLarge(size);
      } else if (size > RETRY_BODY_LIMIT) {
        req.removeListener('data', onData);
        req.removeListener('end', onEnd);
        req.pause();
        this.streamBody(chunks);
      }
    };
    const onEnd = (): void => {
      this.body = Buffer.concat(chunks, size);
      this.bodyLength = String(size);
      if (!this.over) this.start();
    };
    req.on('data', onData);
    req.once('end', onEnd);
  }

  /** Streams the body: `head` (already read), then the rest of the request, with backpressure. */
  streamBody(head: Buffer[]): void {
    const length = this.req.headers['content-length'];
    this.bodyLength = length ?? 'chunked';
    const limited = length === undefined && (this.plan.maxBodySize ?? 0) > 0;
    if (head.length > 0 || limited) {
      const stream = new BodyCounter(this, limited);
      for (const c of head) stream.write(c);
      this.req.pipe(stream);
      this.bodyStream = stream;
    }
    this.start();
  }

  /** client_max_body_size, for a body without Content-Length (the core checked the others). */
  overLimit(size: number): boolean {
    const max = this.plan.maxBodySize ?? 0;
    return max > 0 && size > max && this.req.headers['content-length'] === undefined;
  }

  /**
   * A chunked body went over client_max_body_size: nginx answers 413 (it reads the body before
   * contacting the upstream); a streamed one may already have reached a peer, whose request is
   * abandoned, and whose response, if one started, is cut.
   */
  tooLarge(size: number): void {
    if (this.over) return;
    this.req.unpipe();
    this.plan.errorContext?.logBodyTooLarge(size);
    const attempt = this.current;
    if (attempt !== undefined && !attempt.released) {
      attempt.abort();
      attempt.release('next');
    }
    if (this.responded) {
      this.res.destroy();
      this.finish({ kind: 'responded', status: this.res.statusCode });
      return;
    }
    this.finish({ kind: 'failed', status: 413 });
  }

  start(): void {
    const peer = this.plan.upstream.balancer.pick(this.sel, Date.now());
    if (peer === undefined) {
      // nginx: "no live upstreams" when nothing was tried yet, else the last failure stands.
      if (this.current === undefined) {
        this.log.begin(this.plan.upstream.name);
        this.log.status(502);
        this.log.finished(0);
        this.handler.logFailure(this.req, this.plan, undefined, 'no live upstreams', 'connecting');
      }
      this.finish({ kind: 'failed', status: this.lastStatus });
      return;
    }
    this.triesLeft--;
    const attempt = new Attempt(this, peer);
    this.current = attempt;
    this.log.begin(peer.name);
    let source: Readable | EmptyBody | undefined = EMPTY_BODY;
    if (this.body !== undefined) source = Readable.from([this.body]);
    else if (this.hasBody) {
      source = this.bodyStream;
      this.bodyConsumed = true;
    }
    const plan = this.plan;
    const host = proxyHost(plan.pass);
    // The header block goes to the request's _storeHeader as one list (see attach); http-proxy
    // and node's client then see only a lowercase host, which keeps node from adding its own.
    const list = upstreamRequestHeaderList(this.req, plan.location, plan.headerValues, host, this.bodyLength);
    attempt.headerList = list;
    const headers = list !== undefined ? { host: HOST_PLACEHOLDER } : upstreamRequestHeaders(this.req, plan.location, plan.headerValues, host, false, this.bodyLength);
    const view = new UpstreamRequestView(this.req, plan.uri, headers);
    view.attempt = attempt;
    try {
      setAgentHook(attempt);
      this.handler.library.web(view as unknown as http.IncomingMessage, this.res, this.handler.options(this.plan, peer, source), onProxyError as (err: Error) => void);
    } catch (err) {
      // node's client validates headers synchronously (a value with a control character that a
      // variable produced): this peer cannot be asked, and no other would do better.
      this.bodyConsumed = true;
      attempt.onError(err as NodeJS.ErrnoException);
    } finally {
      setAgentHook(undefined);
    }
  }

  /** May a failure of kind `ft` go to the next peer? (ngx_http_upstream_next's test) */
  mayRetry(ft: number, requestSent: boolean, forStatus: boolean): boolean {
    const loc = this.plan.location;
    let mask = ft;
    if (requestSent && isNonIdempotent(this.req.method)) mask |= FT_NON_IDEMPOTENT;
    if ((loc.nextUpstream & mask) !== mask) return false;
    if (this.triesLeft <= 0 || (forStatus && this.triesLeft < 1)) return false;
    if (this.bodyConsumed) return false;
    if (loc.nextUpstreamTimeout > 0 && Date.now() - this.started >= loc.nextUpstreamTimeout) return false;
    return !this.over;
  }

  onClientClose(): void {
    if (this.over || this.res.writableFinished) return;
    const attempt = this.current;
    if (attempt !== undefined && !attempt.released) {
      attempt.abort();
      attempt.release('next');
    }
    this.finish(this.responded ? { kind: 'responded', status: this.res.statusCode } : { kind: 'client_closed' });
  }

  finish(outcome: ProxyOutcome): void {
    if (this.over) return;
    this.over = true;
    this.done(outcome, this.log);
  }
}

/** The streamed request body on its way upstream, counted against client_max_body_size. */
class BodyCounter extends Transform {
  private size = 0;

  constructor(private readonly run: ProxyRun, private readonly limited: boolean) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.limited && this.run.overLimit(this.size)) {
      callback();
      this.run.tooLarge(this.size);
      return;
    }
    callback(null, chunk);
  }
}

/**
 * proxy_connect/send/read_timeout are the upstream socket's idle timeout, changed per phase.
 * Each socket gets one 'timeout' listener for its life (keep-alive connections serve many
 * attempts), and node's timers are touched only when the value changes: with nginx's defaults
 * (all 60s, and the agent's idle timeout too) a reused connection costs no timer work.
 */
const ATTEMPT = Symbol('ngts.upstreamAttempt');
const TIMEOUT_LISTENER = Symbol('ngts.upstreamTimeoutListener');
type UpstreamSocket = net.Socket & { [ATTEMPT]?: Attempt; [TIMEOUT_LISTENER]?: boolean };

function onUpstreamSocketTimeout(this: UpstreamSocket): void {
  this[ATTEMPT]?.onTimeout();
}

function idleTimeout(socket: net.Socket, ms: number): void {
  if (socket.timeout !== ms) socket.setTimeout(ms);
}

/** What node's client is given as headers when the attempt writes its own list. */
const HOST_PLACEHOLDER = '-';

/**
 * proxy_http_version 1.0 (nginx's default): node's client always writes "HTTP/1.1" in the
 * request line, so the line is rewritten as the header block is stored.
 */
function http10Line(firstLine: string): string {
  return firstLine.endsWith(' HTTP/1.1\r\n') ? firstLine.slice(0, -10) + 'HTTP/1.0\r\n' : firstLine;
}

function storeHeaderHttp10(this: unknown, firstLine: string, headers: unknown): void {
  storeHeader!.call(this, http10Line(firstLine), headers);
}

/** The attempt's header list instead of node's store (which holds only the placeholder host). */
function storeHeaderList(this: unknown, firstLine: string): void {
  storeHeader!.call(this, firstLine, (this as UpstreamRequest)[ATTEMPT]!.headerList);
}

function storeHeaderListHttp10(this: unknown, firstLine: string): void {
  storeHeader!.call(this, http10Line(firstLine), (this as UpstreamRequest)[ATTEMPT]!.headerList);
}

function setStoreHeader(proxyReq: http.ClientRequest, store: StoreHeader): void {
  if (typeof storeHeader !== 'function') return;
  replaceStoreHeader(proxyReq, store);
}

/** The core's response, when it can take the upstream headers as one list (see NgtsResponse). */
interface HeaderListResponse {
  takesHeaderList(statusCode: number): boolean;
}

// Per-request listeners are these shared functions; the emitter carries its run or attempt.
const RUN = Symbol('ngts.proxyRun');
type ProxiedResponse = http.ServerResponse & { [RUN]?: ProxyRun };
type UpstreamRequest = http.ClientRequest & { [ATTEMPT]?: Attempt };
type UpstreamResponse = http.IncomingMessage & { [ATTEMPT]?: Attempt };

function onClientResponseClose(this: ProxiedResponse): void {
  this[RUN]?.onClientClose();
}

function onClientResponseFinish(this: ProxiedResponse): void {
  const run = this[RUN];
  if (run !== undefined) run.finish({ kind: 'responded', status: run.passedStatus });
}

function onUpstreamRequestSocket(this: UpstreamRequest, socket: net.Socket): void {
  this[ATTEMPT]!.onSocket(socket);
}

function onUpstreamRequestResponse(this: UpstreamRequest, upRes: http.IncomingMessage): void {
  this[ATTEMPT]!.onResponse(upRes);
}

function onUpstreamRequestFinish(this: UpstreamRequest): void {
  this[ATTEMPT]!.onRequestSent();
}

function onUpstreamResponseEnd(this: UpstreamResponse): void {
  this[ATTEMPT]!.onResponseEnd();
}

function onUpstreamResponseCut(this: UpstreamResponse): void {
  this[ATTEMPT]!.onResponseCut(this);
}

// Once the attempt is released its socket may be back in the pool or serving another request:
// a late pause/resume of the old response (node drains it after 'end') must leave it alone.
function onUpstreamResponsePause(this: UpstreamResponse): void {
  const attempt = this[ATTEMPT]!;
  if (attempt.socket !== undefined && !attempt.released) idleTimeout(attempt.socket, 0);
}

function onUpstreamResponseResume(this: UpstreamResponse): void {
  const attempt = this[ATTEMPT]!;
  if (attempt.socket !== undefined && !attempt.released) idleTimeout(attempt.socket, attempt.run.plan.location.readTimeout);
}

/** One peer tried for one request. */
class Attempt implements AgentHook {
  proxyReq: http.ClientRequest | undefined;
  phase: UpstreamPhase = 'connecting';
  released = false;
  dead = false;
  requestSent = false;
  /** The request went on an idle keep-alive connection. */
  reused = false;
  readonly started = Date.now();
  /** The header block as one list for _storeHeader, or undefined: node's store as usual. */
  headerList: string[] | undefined = undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  socket: UpstreamSocket | undefined;

  constructor(readonly run: ProxyRun, readonly peer: Peer) {}

  attach(proxyReq: http.ClientRequest): void {
    this.proxyReq = proxyReq;
    proxyReq.path = this.run.plan.uri;
    // Without a body node would send an empty chunked one for POST; nginx sends no body.
    if (this.run.bodyLength === undefined) proxyReq.useChunkedEncodingByDefault = false;
    const http10 = this.run.plan.location.httpVersion === '1.0' && this.run.bodyLength !== 'chunked';
    if (this.headerList !== undefined) setStoreHeader(proxyReq, http10 ? storeHeaderListHttp10 : storeHeaderList);
    else if (http10) setStoreHeader(proxyReq, storeHeaderHttp10);
    // Each of these is emitted once per upstream request: shared functions, no closures.
    (proxyReq as UpstreamRequest)[ATTEMPT] = this;
    proxyReq.on('socket', onUpstreamRequestSocket);
    proxyReq.on('response', onUpstreamRequestResponse);
    proxyReq.on('finish', onUpstreamRequestFinish);
  }

  /** The request went out whole: from now on proxy_read_timeout. */
  onRequestSent(): void {
    if (this.dead) return;
    this.phase = 'reading_header';
    if (this.socket !== undefined) idleTimeout(this.socket, this.run.plan.location.readTimeout);
  }

  onSocket(socket: net.Socket): void {
    if (this.dead) return;
    const s = socket as UpstreamSocket;
    this.socket = s;
    s[ATTEMPT] = this;
    if (s[TIMEOUT_LISTENER] !== true) {
      s[TIMEOUT_LISTENER] = true;
      s.on('timeout', onUpstreamSocketTimeout);
    }
    this.reused = !socket.connecting;
    if (socket.connecting) {
      this.connectTimer = setTimeout(() => this.onTimeout(), this.run.plan.location.connectTimeout);
      socket.once('connect', () => this.onConnect());
    } else {
      this.onConnect();
    }
  }

  onConnect(): void {
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    if (this.dead) return;
    this.run.log.connected(Date.now() - this.started);
    this.requestSent = true;
    if (this.phase === 'connecting') {
      this.phase = 'sending';
      idleTimeout(this.socket!, this.run.plan.location.sendTimeout);
    }
  }

  onTimeout(): void {
    if (this.dead) return;
    if (this.phase === 'reading_body') {
      this.run.handler.logFailure(this.run.req, this.run.plan, this.peer, timeoutFailure().message, 'reading_body');
      this.abort();
      this.run.res.destroy();
      this.release('failed');
      return;
    }
    this.fail(timeoutFailure());
  }

  onError(err: NodeJS.ErrnoException): void {
    if (this.dead) return;
    if (this.phase === 'reading_body') {
      this.run.handler.logFailure(this.run.req, this.run.plan, this.peer, describeFailure(err, 'reading_body', this.run.plan.pass.host).message, 'reading_body');
      this.dead = true;
      this.run.res.destroy();
      this.release('failed');
      return;
    }
    this.fail(describeFailure(err, this.phase, this.run.plan.pass.host));
  }

  /** This peer failed before a response was passed: log it, then the next peer or 502/504. */
  fail(failure: UpstreamFailure): void {
    const run = this.run;
    run.handler.logFailure(run.req, run.plan, this.peer, failure.message, this.phase);
    this.abort();
    const status = failure.ft === FT_TIMEOUT ? 504 : 502;
    run.log.status(status);
    run.log.finished(Date.now() - this.started);
    run.lastStatus = status;
    this.release('failed');
    // An idle keep-alive connection the upstream closed meanwhile does not use up a try (nginx:
    // "u->peer.cached && ft_type == NGX_HTTP_UPSTREAM_FT_ERROR → tries++").
    if (this.reused && failure.ft === FT_ERROR) run.triesLeft++;
    if (run.mayRetry(failure.ft, this.requestSent, false)) {
      run.start();
      return;
    }
    run.finish({ kind: 'failed', status });
  }

  onResponse(upRes: http.IncomingMessage): void {
    if (this.dead) return;
    const run = this.run;
    const status = upRes.statusCode ?? 502;
    run.log.status(status);
    run.log.headerReceived(Date.now() - this.started);
    const ft = STATUS_FAILURES.get(status);
    // nginx passes the response when this is the last try (tries > 1 is required to go on).
    if (ft !== undefined && run.triesLeft > 0 && run.mayRetry(ft, true, true)) {
      run.log.finished(Date.now() - this.started);
      this.abort();
      this.release(ft === FT_HTTP_403 || ft === FT_HTTP_404 ? 'next' : 'failed');
      run.start();
      return;
    }
    this.phase = 'reading_body';
    run.responded = true;
    run.passedStatus = status;
    const res = run.res;
    res.statusCode = status;
    if (upRes.statusMessage) res.statusMessage = upRes.statusMessage;
    run.plan.beforeHeaders?.(res, status);
    // One header list for writeHead where the core takes it as is; else one by one.
    const list = (res as Partial<HeaderListResponse>).takesHeaderList?.(status) ? responseHeaderList(upRes, run.plan.location) : undefined;
    if (list !== undefined) res.writeHead(status, list);
    else passResponseHeaders(upRes, res, run.plan.location);
    const up = upRes as UpstreamResponse;
    up[ATTEMPT] = this;
    up.on('end', onUpstreamResponseEnd);
    up.on('aborted', onUpstreamResponseCut);
    up.on('error', onUpstreamResponseCut);
    // proxy_read_timeout counts while ngts waits for the upstream, not while a slow client
    // holds the stream paused (nginx arms its read timer only when it wants to read).
    up.on('pause', onUpstreamResponsePause);
    up.on('resume', onUpstreamResponseResume);
    // A response is passed at most once per client response (a failed run passes none).
    res.on('finish', onClientResponseFinish);
    upRes.pipe(res);
  }

  /** The upstream response ended: the peer did its job. */
  onResponseEnd(): void {
    if (this.dead) return;
    this.run.log.finished(Date.now() - this.started);
    this.release('ok');
  }

  /** The upstream response stopped before its end (connection closed or reset). */
  onResponseCut(upRes: http.IncomingMessage): void {
    const run = this.run;
    if (this.dead || run.over || upRes.complete) return;
    run.handler.logFailure(run.req, run.plan, this.peer, 'upstream prematurely closed connection', 'reading_body');
    this.dead = true;
    run.res.destroy();
    this.release('failed');
  }

  /** Destroys the upstream request; later events of this attempt are ignored. */
  abort(): void {
    this.dead = true;
    if (this.connectTimer !== undefined) clearTimeout(this.connectTimer);
    this.proxyReq?.destroy();
  }

  release(outcome: PeerOutcome): void {
    if (this.released) return;
    this.released = true;
    if (this.socket !== undefined && this.socket[ATTEMPT] === this) this.socket[ATTEMPT] = undefined;
    // nginx keeps no failure account for a single-peer upstream, so it never warns about it.
    if (releasePeer(this.peer, outcome, Date.now()) && !this.run.plan.upstream.single) {
      this.run.handler.logFailure(this.run.req, this.run.plan, this.peer, 'upstream server temporarily disabled', this.phase, 'warn');
    }
  }
}
