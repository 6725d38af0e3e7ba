// The upstream agents. http-proxy builds the upstream request from its options; the agent is
// the one place where ngts sees that request synchronously, before anything is written, so the
// attempt attaches there: it sets the exact URI (http-proxy's urlJoin would collapse "//"),
// its timers and its listeners. A keep-alive agent keeps `keepalive N` idle connections.
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';

export interface AgentHook {
  attach(req: http.ClientRequest): void;
}

let pending: AgentHook | undefined;

/** Runs `start` (which creates exactly one upstream request) with `hook` attached to it. */
export function withAgentHook(hook: AgentHook, start: () => void): void {
  pending = hook;
  try {
    start();
  } finally {
    pending = undefined;
  }
}

type AddRequest = (req: http.ClientRequest, options: unknown) => void;
type KeepSocketAlive = (socket: net.Socket) => boolean;

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
 * proxy_*_timeout of busy sockets itself, so the agent is made without `timeout` and sets the
 * idle timeout only where it matters: when node keeps a socket alive (which also honours an
 * upstream's "Keep-Alive: timeout=N" hint, as node does with the option).
 */
function keepAliveWithIdleTimeout(agent: http.Agent, idleTimeout: number, socket: net.Socket, base: KeepSocketAlive): boolean {
  const options = (agent as unknown as { options: { timeout?: number } }).options;
  options.timeout = idleTimeout;
  try {
    return base.call(agent, socket);
  } finally {
    options.timeout = 0;
  }
}

function agentOptions(o: UpstreamAgentOptions): http.AgentOptions {
  // timeout 0 rather than absent: keepAliveWithIdleTimeout flips it without changing the shape.
  return { keepAlive: o.keepAlive, maxFreeSockets: o.maxFreeSockets, scheduling: o.scheduling, timeout: 0 };
}

const httpKeepSocketAlive = (http.Agent.prototype as unknown as { keepSocketAlive: KeepSocketAlive }).keepSocketAlive;
const httpsKeepSocketAlive = (https.Agent.prototype as unknown as { keepSocketAlive: KeepSocketAlive }).keepSocketAlive;

export class UpstreamHttpAgent extends http.Agent {
  private readonly idleTimeout: number;

  constructor(o: UpstreamAgentOptions) {
    // A plain-HTTP connection has no TLS server name: an empty one spares node working one out
    // from the Host header on every request (it is unused, and not part of the pool's key).
    super({ ...agentOptions(o), servername: '' } as http.AgentOptions);
    this.idleTimeout = o.idleTimeout;
  }

  addRequest(req: http.ClientRequest, options: unknown): void {
    takeHook(req);
    (http.Agent.prototype as unknown as { addRequest: AddRequest }).addRequest.call(this, req, options);
  }

  override keepSocketAlive(socket: net.Socket): boolean {
    return keepAliveWithIdleTimeout(this, this.idleTimeout, socket, httpKeepSocketAlive);
  }
}

export class UpstreamHttpsAgent extends https.Agent {
  private readonly idleTimeout: number;

  constructor(o: UpstreamAgentOptions) {
    super(agentOptions(o));
    this.idleTimeout = o.idleTimeout;
  }

  addRequest(req: http.ClientRequest, options: unknown): void {
    takeHook(req);
    (https.Agent.prototype as unknown as { addRequest: AddRequest }).addRequest.call(this, req, options);
  }

  override keepSocketAlive(socket: net.Socket): boolean {
    return keepAliveWithIdleTimeout(this, this.idleTimeout, socket, httpsKeepSocketAlive);
  }
}
