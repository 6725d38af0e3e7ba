// A worker's side of the status pages: nginx's connection counters kept on its http servers,
// its peers' traffic, and the round trip to the master that adds up every worker's numbers.
import type http from 'node:http';
import type net from 'node:net';
import { peerStates } from '../proxy/peers.js';
import { emptyCounters, type ConnectionCounters, type StatusSnapshot, type WorkerReport } from './snapshot.js';

const counters: ConnectionCounters = emptyCounters();

/** Per socket: requests in flight, and bytes read when its last response ended. */
const kInFlight = Symbol('ngts.status.inFlight');
const kBytesAtIdle = Symbol('ngts.status.bytesAtIdle');
type CountedSocket = net.Socket & { [kInFlight]: number; [kBytesAtIdle]: number };
const sockets = new Set<CountedSocket>();

function onClose(this: CountedSocket): void {
  counters.active--;
  sockets.delete(this);
}

function onResponseClose(this: http.ServerResponse): void {
  counters.writing--;
  // The request's socket: node detaches a finished response from it before its 'close'.
  const socket = this.req.socket as CountedSocket | null;
  if (socket && socket[kInFlight] !== undefined) {
    socket[kInFlight]--;
    socket[kBytesAtIdle] = socket.bytesRead;
  }
}

function onUpgradedClose(): void {
  counters.writing--;
}

/**
 * Counts this server's connections and Upgrade requests (listeners added once per server); its
 * request listener must call countRequest for every request (the worker passes it to the HTTP
 * runtime: one 'request' listener spares node a copy of the listener list per request).
 */
export function countConnections(server: http.Server): void {
  server.on('connection', (socket: CountedSocket) => {
    counters.accepted++;
    counters.handled++;
    counters.active++;
    socket[kInFlight] = 0;
    socket[kBytesAtIdle] = 0;
    sockets.add(socket);
    // 'close' comes once: `on` spares the wrapper `once` would allocate per connection.
    socket.on('close', onClose);
  });
  // An Upgrade request (a WebSocket tunnel) is a request too, and nginx counts it as Writing for
  // as long as the connection lasts; nothing more is ever read as a request head on it.
  server.on('upgrade', (_req: http.IncomingMessage, socket: CountedSocket) => {
    counters.requests++;
    counters.writing++;
    if (socket[kInFlight] !== undefined) socket[kInFlight]++;
    socket.once('close', onUpgradedClose);
  });
}

/** Counts one request (see countConnections). */
export function countRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
  counters.requests++;
  counters.writing++;
  const socket = req.socket as CountedSocket;
  if (socket[kInFlight] !== undefined) socket[kInFlight]++;
  res.on('close', onResponseClose);
}

/**
 * Connections reading a request head (nginx's Reading): nothing in flight on them, yet bytes
 * arrived since their last response ended. Counted only when a status page asks.
 */
function readingConnections(): number {
  let n = 0;
  for (const s of sockets) if (s[kInFlight] === 0 && s.bytesRead > s[kBytesAtIdle]) n++;
  return n;
}

export function workerReport(): WorkerReport {
  const connections = { ...counters, reading: readingConnections() };
  const peers = [];
  for (const [key, s] of peerStates()) peers.push({ key, conns: s.conns, requests: s.requests, failures: s.failures });
  return { connections, peers };
}

// ---- the round trip to the master ----

const pending = new Map<number, (snapshot: StatusSnapshot) => void>();
let nextId = 1;
/** The master answers within its own collection limit; past this, the worker answers alone. */
const ANSWER_LIMIT_MS = 2000;

/** Every worker's numbers, summed by the master; this worker's own if the master does not answer. */
export function requestStatus(send: (id: number) => boolean): Promise<StatusSnapshot> {
  return new Promise((resolve) => {
    const id = nextId++;
    const alone = (): void => {
      pending.delete(id);
      resolve({ connections: workerReport().connections, workers: 1, generation: 0, peers: [] });
    };
    if (!send(id)) return alone();
    const timer = setTimeout(alone, ANSWER_LIMIT_MS);
    pending.set(id, (snapshot) => {
      clearTimeout(timer);
      pending.delete(id);
      resolve(snapshot);
    });
  });
}

/** The master's answer to requestStatus. */
export function statusAnswered(id: number, snapshot: StatusSnapshot): void {
  pending.get(id)?.(snapshot);
}
