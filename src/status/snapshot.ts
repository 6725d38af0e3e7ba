// The data behind stub_status and check_status, as it crosses IPC: each worker reports its own
// counters, the master adds them up over every live worker (all generations, as nginx's shared
// counters include old workers still draining) and joins the health checker's view.
import type { PeerHealth } from '../health/peer-health.js';

/** nginx's stub_status counters (ngx_stat_*). `waiting` is derived: active − reading − writing. */
export interface ConnectionCounters {
  active: number;
  accepted: number;
  handled: number;
  requests: number;
  reading: number;
  writing: number;
}

/** One worker's traffic to one peer (its PeerState). */
export interface PeerTraffic {
  /** "upstream address" (peerKey). */
  key: string;
  conns: number;
  requests: number;
  failures: number;
}

export interface WorkerReport {
  connections: ConnectionCounters;
  peers: PeerTraffic[];
}

/** One checked peer on the status page: the checker's view plus the workers' summed traffic. */
export interface PeerStatus extends PeerHealth {
  active: number;
  requests: number;
  failures: number;
}

export interface StatusSnapshot {
  connections: ConnectionCounters;
  /** Workers whose counters are included. */
  workers: number;
  /** The master's configuration generation (Tengine's "generation"). */
  generation: number;
  peers: PeerStatus[];
}

export function emptyCounters(): ConnectionCounters {
  return { active: 0, accepted: 0, handled: 0, requests: 0, reading: 0, writing: 0 };
}

/** Peer traffic lists summed by key. */
export function aggregatePeers(lists: readonly (readonly PeerTraffic[])[]): PeerTraffic[] {
  const traffic = new Map<string, PeerTraffic>();
  for (const list of lists) {
    for (const p of list) {
      const t = traffic.get(p.key);
      if (t === undefined) traffic.set(p.key, { ...p });
      else {
        t.conns += p.conns;
        t.requests += p.requests;
        t.failures += p.failures;
      }
    }
  }
  return [...traffic.values()];
}

/** Sums worker reports and joins them to the checked peers. */
export function aggregate(reports: readonly WorkerReport[], health: readonly PeerHealth[], generation: number): StatusSnapshot {
  const connections = emptyCounters();
  for (const r of reports) {
    for (const k of Object.keys(connections) as (keyof ConnectionCounters)[]) connections[k] += r.connections[k];
  }
  const traffic = new Map(aggregatePeers(reports.map((r) => r.peers)).map((t) => [t.key, t]));
  const peers = health.map((h): PeerStatus => {
    const t = traffic.get(h.upstream + ' ' + h.address);
    return { ...h, active: t?.conns ?? 0, requests: t?.requests ?? 0, failures: t?.failures ?? 0 };
  });
  return { connections, workers: reports.length, generation, peers };
}
