// One client request's walk over the peers: the balancer picks a peer, an Attempt tries it,
// and a failure goes to the next peer while proxy_next_upstream (and its tries and timeout)
// allow, as ngx_http_upstream_next does; then the outcome goes to the core, once.
import type http from 'node:http';
import type { Readable } from 'node:stream';
import { Attempt } from './attempt.js';
import type { ProxyDone, ProxyHandler, ProxyOutcome, ProxyPlan } from './handler.js';
import { upstreamRequestHeaderList, upstreamRequestHeaders } from './headers.js';
import { onProxyError, proxyOptions, UpstreamRequestView } from './http-proxy-adapter.js';
import { proxyHost } from './location.js';
import { FT_NON_IDEMPOTENT, isNonIdempotent } from './next-upstream.js';
import type { PeerSelection } from './peers.js';
import { bodySource, hasRequestBody } from './request-body.js';
import { setAgentHook } from './agent.js';
import { HOST_PLACEHOLDER } from './upstream-header-writer.js';
import { UpstreamLog } from './upstream-log.js';

// Per-request listeners are these shared functions; the response carries its run.
const RUN = Symbol('ngts.proxyRun');
type ProxiedResponse = http.ServerResponse & { [RUN]?: ProxyRun };

function onClientResponseClose(this: ProxiedResponse): void {
  this[RUN]?.onClientClose();
}

function onClientResponseFinish(this: ProxiedResponse): void {
  const run = this[RUN];
  if (run !== undefined) run.finish({ kind: 'responded', status: run.passedStatus });
}

/** One client request's walk over the peers. */
export class ProxyRun {
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
    this.hasBody = hasRequestBody(req);
    // One listener per response, shared by the runs it serves (error_page may proxy again).
    const r = res as ProxiedResponse;
    if (r[RUN] === undefined) r.on('close', onClientResponseClose);
    r[RUN] = this;
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
    const source = bodySource(this);
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
      this.handler.library.web(view as unknown as http.IncomingMessage, this.res, proxyOptions(this.plan, peer, source), onProxyError as (err: Error) => void);
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

  /** The attempt passes the upstream response (at most once per client response). */
  pass(upRes: http.IncomingMessage): void {
    this.res.on('finish', onClientResponseFinish);
    upRes.pipe(this.res);
  }
}
