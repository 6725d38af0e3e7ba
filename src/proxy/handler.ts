// The proxy content handler: sends one request to an upstream through http-proxy, walking the
// peers the balancer picks until one answers or proxy_next_upstream says stop, and streams the
// answer back. The HTTP core calls it once it has chosen the location and evaluated the
// variables; the outcome tells the core what to do next (nothing, or error_page for 502/504).
//
// The pieces: run.ts walks the peers for one request, attempt.ts tries one peer (its timers and
// outcome), request-body.ts reads or streams the body, http-proxy-adapter.ts is what http-proxy
// is given, upstream-header-writer.ts writes the header block, tunnel.ts does Upgrade requests.
// A client that goes away destroys the upstream request ('aborted' no longer fires on Node ≥
// 15.5, so sockets would leak); a client's Trailer header is dropped unless the body is chunked
// (node's client throws on it).
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
import { requestContext } from '../log/request-context.js';
import type http from 'node:http';
import type net from 'node:net';
import type httpProxy from 'http-proxy';
import type { ErrorLog } from '../log/error-log.js';
import { PHASE_ACTION, type UpstreamPhase } from './errors.js';
import { createProxyLibrary } from './http-proxy-adapter.js';
import type { ProxyLocation } from './location.js';
import type { Peer } from './peers.js';
import { startWithBody } from './request-body.js';
import { ProxyRun } from './run.js';
import { openTunnel, tunnels, upgradeAsPlainRequest } from './tunnel.js';
import type { UpstreamLog } from './upstream-log.js';
import type { Upstream } from './upstreams.js';
import type { ProxyPassUrl } from './uri.js';

/** Everything the core evaluated for this request. */
export interface ProxyPlan {
  /** A Location that proxy_redirect rewrote to "/…", made absolute by the core (absolute_redirect). */
  absoluteRedirect?(location: string): string;
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

export type UpstreamLogLevel = 'crit' | 'error' | 'warn';

export interface ProxyErrorContext {
  /** `message` is "… while connecting to upstream"; `upstream` the URL nginx prints after the request. */
  logUpstreamError(level: UpstreamLogLevel, message: string, upstream: string): void;
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


export class ProxyHandler {
  private readonly proxy: httpProxy;

  constructor(private readonly errorLog: ErrorLog) {
    this.proxy = createProxyLibrary();
  }

  /** Proxies `req`; `done` is called once, when the exchange is over. */
  handle(req: http.IncomingMessage, res: http.ServerResponse, plan: ProxyPlan, done: ProxyDone): void {
    startWithBody(new ProxyRun(this, req, res, plan, done));
  }

  /** Proxies an Upgrade request (WebSocket) from the server's 'upgrade' event. */
  upgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer, plan: ProxyPlan, done: ProxyDone): void {
    if (tunnels(plan)) openTunnel(this, req, socket, head, plan, done);
    else upgradeAsPlainRequest(this, req, socket, plan, done);
  }

  /** An error log line with nginx's request context. */
  logFailure(req: http.IncomingMessage, plan: ProxyPlan, peer: Peer | undefined, message: string, phase: UpstreamPhase, level: UpstreamLogLevel = 'error'): void {
    if (!this.errorLog.enabled(level)) return;
    // nginx separates a unix-domain peer's name from the URI with ":".
    const separator = peer?.socketPath !== undefined ? ':' : '';
    const upstream = `${plan.pass.scheme}://${peer ? peer.name : plan.upstream.name}${separator}${plan.uri}`;
    if (plan.errorContext !== undefined) {
      plan.errorContext.logUpstreamError(level, `${message} while ${PHASE_ACTION[phase]}`, upstream);
      return;
    }
    this.errorLog.log(level, `*${connectionNumber(req)} ${message} while ${PHASE_ACTION[phase]}, ${requestContext(req.socket.remoteAddress ?? '-', plan.serverName, `${req.method} ${req.url} HTTP/${req.httpVersion}`, req.headers, upstream)}`);
  }

  get library(): httpProxy {
    return this.proxy;
  }
}

let nextConnection = 1;
const CONNECTION_NUMBER = Symbol('ngts.connectionNumber');

/** nginx's "*N" connection number in error lines: counted per worker, per client connection. */
function connectionNumber(req: http.IncomingMessage): number {
  const s = req.socket as net.Socket & { [CONNECTION_NUMBER]?: number };
  return (s[CONNECTION_NUMBER] ??= nextConnection++);
}
