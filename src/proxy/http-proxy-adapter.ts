// What ngts gives http-proxy (1.18) and how, with its traps guarded: every call passes an
// error callback (an 'error' with no listener would crash the worker); headers are computed
// before the call and handed over through a view of the client request (edits in 'proxyReq'
// are lost with Expect: 100-continue, which nginx does not forward anyway); an agent is always
// given (without one http-proxy forces Connection: close).
import type http from 'node:http';
import type net from 'node:net';
import type { Readable } from 'node:stream';
import httpProxy from 'http-proxy';
import type { Attempt } from './attempt.js';
import type { ProxyPlan } from './handler.js';
import type { Peer } from './peers.js';
import { EMPTY_BODY, type EmptyBody } from './request-body.js';

/** The worker's http-proxy instance: responses are handled by ngts (selfHandleResponse). */
export function createProxyLibrary(): httpProxy {
  const proxy = httpProxy.createProxyServer({ selfHandleResponse: true, toProxy: true, prependPath: false });
  // Every call passes a callback; this listener only keeps a stray error from crashing the worker.
  proxy.on('error', () => {});
  proxy.on('econnreset', () => {});
  return proxy;
}

const PLAIN_OPTIONS = Symbol('ngts.plainProxyOptions');
type CachingPeer = Peer & { [PLAIN_OPTIONS]?: httpProxy.ServerOptions };

/** http-proxy's per-call options for one peer. */
export function proxyOptions(plan: ProxyPlan, peer: Peer, body?: Readable | EmptyBody): httpProxy.ServerOptions {
  const https = plan.pass.scheme === 'https';
  // Without a body and over plain HTTP they depend on the peer alone (a peer belongs to one
  // upstream, whose agent they name; `secure` and `ssl` matter only to https): made once.
  // http-proxy copies them before use.
  const cacheable = body === EMPTY_BODY && !https;
  if (cacheable) {
    const cached = (peer as CachingPeer)[PLAIN_OPTIONS];
    if (cached !== undefined) return cached;
  }
  // A unix-domain peer: node connects to socketPath (and pools by it), host and port unused.
  const target = { protocol: https ? 'https:' : 'http:', host: peer.host, port: peer.port, path: '', socketPath: peer.socketPath };
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

/** http-proxy's error callback: the request view knows its attempt. */
export function onProxyError(err: Error, view: http.IncomingMessage): void {
  (view as unknown as UpstreamRequestView).attempt!.onError(err as NodeJS.ErrnoException);
}

/**
 * What http-proxy reads of the client request: method, the URI to send, the computed headers.
 * The body comes from the real request (or its buffered copy), given as options.buffer.
 */
export class UpstreamRequestView {
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
