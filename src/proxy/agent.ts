// The upstream agents. http-proxy builds the upstream request from its options; the agent is
// the one place where ngts sees that request synchronously, before anything is written, so the
// attempt attaches there: it sets the exact URI (http-proxy's urlJoin would collapse "//"),
// its timers and its listeners. A keep-alive agent keeps `keepalive N` idle connections.
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { acceptBareLfResponses, agentAddRequest, agentKeepAliveMsecs, responseToRequestOnSocket } from '../node-internals.js';

export interface AgentHook {
  attach(req: http.ClientRequest): void;
}

let pending: AgentHook | undefined;

/**
 * Attaches `hook` to the next upstream request made; the caller clears it (undefined) once the
 * call that makes the request returned or threw. (withAgentHook, without a closure.)
 */
export function setAgentHook(hook: AgentHook | undefined): void {
  pending = hook;
}

/** Runs `start` (which creates exactly one upstream request) with `hook` attached to it. */
export function withAgentHook(hook: AgentHook, start: () => void): void {
  pending = hook;
  try {
    start();
  } finally {
    pending = undefined;
  }
}


function takeHook(req: http.ClientRequest): void {
  const hook = pending;
  pending = undefined;
  hook?.attach(req);
}

export interface UpstreamAgentOptions {
  keepAlive: boolean;
  maxFreeSockets: number;
  scheduling: 'lifo' | 'fifo';
  /** How long an idle kept-alive connection stays open (ms). */
  idleTimeout: number;
}

/**
 * node's agent `timeout` option is the idle timeout of free sockets, but it also makes every
 * request add a socket 'timeout' listener and re-arm the socket's timer twice (0 when the
 * response ends, then `timeout` when the socket goes back to the pool). The handler runs the
 * proxy_*_timeout of busy sockets itself, so the agents are made without `timeout` and set the
 * idle timeout where node's keepSocketAlive would (same steps, Keep-Alive hint included). The
 * hint is read from the raw headers: node's own code reads `res.headers`, which builds the
 * parsed headers object just for it (the proxy works from rawHeaders).
 */
function keepAliveWithIdleTimeout(agent: http.Agent, idleTimeout: number, socket: net.Socket): boolean {
  socket.setKeepAlive(true, agentKeepAliveMsecs(agent));
  socket.unref();
  let timeout = idleTimeout;
  let keep = true;
  const res = responseToRequestOnSocket(socket);
  const hint = res === undefined ? undefined : keepAliveHint(res.rawHeaders);
  if (hint !== undefined) {
    // As node: expire a second before the upstream's announced timeout, or not keep the
    // connection at all when that leaves nothing.
    const ms = Math.max(hint * 1000 - KEEP_ALIVE_TIMEOUT_BUFFER, 0);
    if (ms === 0) keep = false;
    else if (ms < timeout) timeout = ms;
  }
  if (socket.timeout !== timeout) socket.setTimeout(timeout);
  return keep;
}

/** node's HTTP_AGENT_KEEP_ALIVE_TIMEOUT_BUFFER. */
const KEEP_ALIVE_TIMEOUT_BUFFER = 1000;

/** The N of a "Keep-Alive: timeout=N" response header (the first one), as node reads it. */
function keepAliveHint(raw: readonly string[]): number | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length !== 10 || name.toLowerCase() !== 'keep-alive') continue;
    const m = /^timeout=(\d+)/.exec(raw[i + 1]);
    return m === null ? undefined : Number.parseInt(m[1], 10);
  }
  return undefined;
}

function agentOptions(o: UpstreamAgentOptions): http.AgentOptions {
  return { keepAlive: o.keepAlive, maxFreeSockets: o.maxFreeSockets, scheduling: o.scheduling };
}

export class UpstreamHttpAgent extends http.Agent {
  private readonly idleTimeout: number;

  constructor(o: UpstreamAgentOptions) {
    // A plain-HTTP connection has no TLS server name: an empty one spares node working one out
    // from the Host header on every request (it is unused, and not part of the pool's key).
    super({ ...agentOptions(o), servername: '' } as http.AgentOptions);
    this.idleTimeout = o.idleTimeout;
    acceptBareLfResponses(this);
  }

  addRequest(req: http.ClientRequest, options: unknown): void {
    takeHook(req);
    agentAddRequest.call(this, req, options);
  }

  override keepSocketAlive(socket: net.Socket): boolean {
    return keepAliveWithIdleTimeout(this, this.idleTimeout, socket);
  }
}

export class UpstreamHttpsAgent extends https.Agent {
  private readonly idleTimeout: number;

  constructor(o: UpstreamAgentOptions) {
    super(agentOptions(o));
    this.idleTimeout = o.idleTimeout;
    acceptBareLfResponses(this);
  }

  addRequest(req: http.ClientRequest, options: unknown): void {
    takeHook(req);
    agentAddRequest.call(this, req, options);
  }

  override keepSocketAlive(socket: net.Socket): boolean {
    return keepAliveWithIdleTimeout(this, this.idleTimeout, socket);
  }
}
