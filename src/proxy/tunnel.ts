// Upgrade requests (WebSocket). With `proxy_set_header Upgrade …` set to a value, nginx opens a
// tunnel: the upstream's 101 and then bytes both ways, closed after proxy_read_timeout idle
// both ways. Without it, the request goes as a plain one and the answer is passed.
import { ServerResponse } from 'node:http';
import type http from 'node:http';
import type net from 'node:net';
import { withAgentHook, type AgentHook } from './agent.js';
import { describeFailure } from './errors.js';
import type { ProxyDone, ProxyHandler, ProxyOutcome, ProxyPlan } from './handler.js';
import { upstreamRequestHeaders } from './headers.js';
import { proxyOptions, UpstreamRequestView } from './http-proxy-adapter.js';
import { proxyHost } from './location.js';
import { releasePeer, type PeerOutcome } from './peers.js';
import { UpstreamLog } from './upstream-log.js';

/** Whether nginx would tunnel: the Upgrade header it sends upstream has a value. */
export function tunnels(plan: ProxyPlan): boolean {
  return plan.location.setHeaders.some((h, i) => h.lower === 'upgrade' && plan.headerValues[i] !== '');
}

/** Opens the tunnel to one peer (an Upgrade request gets no second peer). */
export function openTunnel(handler: ProxyHandler, req: http.IncomingMessage, socket: net.Socket, head: Buffer, plan: ProxyPlan, done: ProxyDone): void {
  const log = plan.upstreamLog ?? new UpstreamLog();
  const sel = plan.upstream.select(socket.remoteAddress ?? '', plan.hashKey);
  const peer = plan.upstream.balancer.pick(sel, Date.now());
  if (peer === undefined) {
    handler.logFailure(req, plan, undefined, 'no live upstreams', 'connecting');
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
    handler.library.ws(view as unknown as http.IncomingMessage, socket, head, proxyOptions(plan, peer), (err: Error) => {
      if (finished) return;
      const phase = answered ? 'reading_body' : 'connecting';
      const failure = describeFailure(err as NodeJS.ErrnoException, phase, plan.pass.host, peer);
      handler.logFailure(req, plan, peer, failure.message, phase, failure.level);
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
export function upgradeAsPlainRequest(handler: ProxyHandler, req: http.IncomingMessage, socket: net.Socket, plan: ProxyPlan, done: ProxyDone): void {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.once('finish', () => socket.end());
  handler.handle(req, res, plan, (outcome, log) => {
    if (outcome.kind === 'failed') {
      res.statusCode = outcome.status;
      res.end();
    }
    done(outcome, log);
  });
}
