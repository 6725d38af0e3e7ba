// One peer tried for one request: its upstream request, its timers (proxy_connect/send/
// read_timeout) and its outcome, which it reports to the run (next peer, or the response
// passed, or a failure) and to the peer's state (releasePeer). Timeouts are ngts's own timers,
// so they answer 504, not a reset.
import type http from 'node:http';
import type net from 'node:net';
import type { AgentHook } from './agent.js';
import { describeFailure, timeoutFailure, type UpstreamFailure, type UpstreamPhase } from './errors.js';
import { passResponseHeaders, responseHeaderList } from './headers.js';
import { FT_ERROR, FT_HTTP_403, FT_HTTP_404, FT_TIMEOUT, STATUS_FAILURES } from './next-upstream.js';
import { releasePeer, type Peer, type PeerOutcome } from './peers.js';
import type { ProxyRun } from './run.js';
import { ATTEMPT, writeUpstreamHeaders } from './upstream-header-writer.js';

/**
 * proxy_connect/send/read_timeout are the upstream socket's idle timeout, changed per phase.
 * Each socket gets one 'timeout' listener for its life (keep-alive connections serve many
 * attempts), and node's timers are touched only when the value changes: with nginx's defaults
 * (all 60s, and the agent's idle timeout too) a reused connection costs no timer work.
 */
const TIMEOUT_LISTENER = Symbol('ngts.upstreamTimeoutListener');
type UpstreamSocket = net.Socket & { [ATTEMPT]?: Attempt; [TIMEOUT_LISTENER]?: boolean };

function onUpstreamSocketTimeout(this: UpstreamSocket): void {
  this[ATTEMPT]?.onTimeout();
}

function idleTimeout(socket: net.Socket, ms: number): void {
  if (socket.timeout !== ms) socket.setTimeout(ms);
}

/** The core's response, when it can take the upstream headers as one list (see NgtsResponse). */
interface HeaderListResponse {
  takesHeaderList(statusCode: number): boolean;
}

// Per-request listeners are these shared functions; the emitter carries its attempt.
type UpstreamRequest = http.ClientRequest & { [ATTEMPT]?: Attempt };
type UpstreamResponse = http.IncomingMessage & { [ATTEMPT]?: Attempt };

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
export class Attempt implements AgentHook {
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
    writeUpstreamHeaders(proxyReq, this.headerList !== undefined, http10);
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
      this.run.handler.logFailure(this.run.req, this.run.plan, this.peer, describeFailure(err, 'reading_body', this.run.plan.pass.host, this.peer).message, 'reading_body');
      this.dead = true;
      this.run.res.destroy();
      this.release('failed');
      return;
    }
    this.fail(describeFailure(err, this.phase, this.run.plan.pass.host, this.peer));
  }

  /** This peer failed before a response was passed: log it, then the next peer or 502/504. */
  fail(failure: UpstreamFailure): void {
    const run = this.run;
    run.handler.logFailure(run.req, run.plan, this.peer, failure.message, this.phase, failure.level);
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
    const list = (res as Partial<HeaderListResponse>).takesHeaderList?.(status) ? responseHeaderList(upRes, run.plan.location, run.plan) : undefined;
    if (list !== undefined) res.writeHead(status, list);
    else passResponseHeaders(upRes, res, run.plan.location, run.plan);
    const up = upRes as UpstreamResponse;
    up[ATTEMPT] = this;
    up.on('end', onUpstreamResponseEnd);
    up.on('aborted', onUpstreamResponseCut);
    up.on('error', onUpstreamResponseCut);
    // proxy_read_timeout counts while ngts waits for the upstream, not while a slow client
    // holds the stream paused (nginx arms its read timer only when it wants to read).
    up.on('pause', onUpstreamResponsePause);
    up.on('resume', onUpstreamResponseResume);
    run.pass(upRes);
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
