// A worker's connections and their graceful drain (QUIT, or the old generation after a reload),
// without the race nginx has: nginx closes idle keep-alive connections the moment it starts
// shutting down, while a client may already be sending its next request on them (the client then
// sees a reset or "closed without response"). Here, a draining worker:
//  - stops listening, but keeps every connection it accepted (another worker of the same listen
//    socket accepts whatever the kernel still queues: nothing the kernel accepted is dropped);
//  - answers the next request on each keep-alive connection with "Connection: close", then closes;
//  - closes a connection only once it stayed silent for DRAIN_IDLE_GRACE_MS with no request or
//    response in progress (one with half a request received is not idle: like nginx, it is served;
//    node's headersTimeout still bounds a client that stalls);
//  - lets in-flight responses finish, however slow, unless worker_shutdown_timeout says otherwise.
// It never calls http.Server.close(): since Node 19 that also closes idle keep-alive connections
// at once (closeIdleConnections), which is exactly nginx's race.
import net from 'node:net';
import type http from 'node:http';
import { connectionIsIdle } from '../node-internals.js';

/** How long a connection may stay silent during a drain before it is closed. */
export const DRAIN_IDLE_GRACE_MS = 1000;

const kResponse = Symbol('ngts.response');
const kGraceArmed = Symbol('ngts.graceArmed');

interface TrackedSocket extends net.Socket {
  /** The last response started on this connection (its headers tell whether it may still close). */
  [kResponse]?: http.ServerResponse;
  /** True while this idle connection counts down DRAIN_IDLE_GRACE_MS. */
  [kGraceArmed]?: boolean;
}

export class ConnectionDrain {
  private readonly servers: http.Server[] = [];
  private readonly sockets = new Set<TrackedSocket>();
  private draining = false;
  private drained?: () => void;

  /** Passed to the HTTP runtime: responses say "Connection: close" once this is true. */
  readonly isDraining = (): boolean => this.draining;

  /**
   * Tracks the connections of a server; call before it listens. Its request listener must call
   * onRequest first for every request (the HTTP runtime does, through HttpRuntimeOptions): one
   * listener instead of two spares node a copy of the listener list per request.
   */
  track(server: http.Server): void {
    this.servers.push(server);
    server.on('connection', this.onConnection);
  }

  get connections(): number {
    return this.sockets.size;
  }

  /** Starts a graceful drain; `done` runs once the last connection has closed. */
  drain(done: () => void): void {
    if (this.draining) return;
    this.draining = true;
    this.drained = done;
    for (const server of this.servers) {
      // A keep-alive response finishing from now on leaves its connection open this long at most.
      server.keepAliveTimeout = server.keepAliveTimeout > 0 ? Math.min(server.keepAliveTimeout, DRAIN_IDLE_GRACE_MS) : DRAIN_IDLE_GRACE_MS;
      if (server.listening) net.Server.prototype.close.call(server);
      // From now on, a socket timeout is ours to judge (node would destroy the socket).
      server.on('timeout', (socket: TrackedSocket) => this.onTimeout(server, socket));
    }
    for (const socket of this.sockets) {
      const res = socket[kResponse];
      if (res !== undefined && !res.writableFinished) {
        // In flight: if its headers are not out yet, it is the one that says "Connection: close";
        // if they said keep-alive, node arms keepAliveTimeout (now the grace) once it ends.
        if (!res.headersSent) res.shouldKeepAlive = false;
      } else {
        this.armGrace(socket);
      }
    }
    this.checkDrained();
  }

  /** Fast shutdown, or worker_shutdown_timeout expired: close every connection now. */
  closeAll(): void {
    this.draining = true;
    for (const server of this.servers) if (server.listening) net.Server.prototype.close.call(server);
    for (const socket of this.sockets) socket.destroy();
  }

  // Listeners shared by every socket and response ('close' comes once: `on`, not `once`, which
  // would wrap each in a closure): per idle connection, nothing but the Set entry.
  private readonly onConnection = (socket: TrackedSocket): void => {
    this.sockets.add(socket);
    socket.on('close', this.onSocketClose);
  };

  private readonly onSocketClose = ((drain: ConnectionDrain) => function onSocketClose(this: TrackedSocket): void {
    drain.sockets.delete(this);
    drain.checkDrained();
  })(this);

  /** Called first for every request of a tracked server (see track). */
  readonly onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const socket = req.socket as TrackedSocket;
    socket[kResponse] = res;
    // A finished response is forgotten: an idle keep-alive connection must not keep the last
    // request and response alive (about 2.5 KB each).
    res.on('close', forgetResponse);
    if (!this.draining) return;
    res.shouldKeepAlive = false;
    if (socket[kGraceArmed]) {
      // The client spoke in time: the response is not bounded by the idle grace.
      socket[kGraceArmed] = false;
      socket.setTimeout(0);
    }
  };

  /** An idle connection gets DRAIN_IDLE_GRACE_MS of silence (any byte received restarts it). */
  private armGrace(socket: TrackedSocket): void {
    socket[kGraceArmed] = true;
    socket.setTimeout(DRAIN_IDLE_GRACE_MS);
  }

  /** A socket timed out while draining: close it unless a request is arriving or handled. */
  private onTimeout(server: http.Server, socket: TrackedSocket): void {
    const res = socket[kResponse];
    if (res !== undefined && !res.writableFinished) {
      // A response in flight timed out: node's default (destroy) unless the response handles it.
      if (res.listenerCount('timeout') === 0) socket.destroy();
      return;
    }
    if (!hasPartialRequest(server, socket)) socket.destroy();
  }

  private checkDrained(): void {
    if (this.draining && this.sockets.size === 0 && this.drained) {
      const done = this.drained;
      this.drained = undefined;
      done();
    }
  }
}

/** A response's 'close' (it finished, or its connection closed): no longer in flight. */
function forgetResponse(this: http.ServerResponse): void {
  const socket = this.req.socket as TrackedSocket | null;
  if (socket && socket[kResponse] === this) socket[kResponse] = undefined;
}

/**
 * True if the client has sent part of a request (node's parser is inside a message). node keeps
 * that state in the server's connections list (what closeIdleConnections() reads): a parser is
 * "idle" between messages — but also, until its first byte, "active" — so bytes must have come.
 * Without that (private) list, every silent connection counts as idle.
 */
function hasPartialRequest(server: http.Server, socket: net.Socket): boolean {
  if (socket.bytesRead === 0) return false;
  return connectionIsIdle(server, socket) === false;
}
