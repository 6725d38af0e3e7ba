// A worker's side of the status pages: nginx's connection counters kept on its http servers,
// its peers' traffic, and the round trip to the master that adds up every worker's numbers.
import type http from 'node:http';
import type net from 'node:net';
import { peerStates } from '../proxy/peers.js';
import { emptyCounters, type ConnectionCounters, type StatusSnapshot, type WorkerReport } from './snapshot.js';

const counters: ConnectionCounters = emptyCounters();
const servers: http.Server[] = [];

function onClose(): void {
  counters.active--;
}
function onResponseClose(): void {
  counters.writing--;
}

/** Counts this server's connections and requests (listeners added once per server). */
export function countConnections(server: http.Server): void {
  servers.push(server);
  server.on('connection', (socket: net.Socket) => {
    counters.accepted++;
    counters.handled++;
    counters.active++;
    socket.once('close', onClose);
  });
  server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    counters.requests++;
    counters.writing++;
    res.once('close', onResponseClose);
  });
}

/**
 * Requests whose head is still arriving (nginx's Reading): node's connection list counts a
 * connection active from the first byte of a request to the end of its response; those past
 * their head are Writing.
 */
function activeParsers(): number {
  let n = 0;
  for (const server of servers) {
    const key = Object.getOwnPropertySymbols(server).find((s) => s.description === 'http.server.connections');
    const list = key && (server as unknown as Record<symbol, { active(): unknown[] } | undefined>)[key];
    if (list) n += list.active().length;
  }
  return n;
}

export function workerReport(): WorkerReport {
  const connections = { ...counters, reading: Math.max(0, activeParsers() - counters.writing) };
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
