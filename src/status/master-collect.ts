// The master's side of the status pages: a worker asks, the master asks every live worker for
// its counters, waits for all of them (or COLLECT_LIMIT_MS: a worker busy or exiting is left
// out), adds them up with the health checker's view and answers the asker.
import type { PeerHealth } from '../health/peer-health.js';
import { aggregate, aggregatePeers, emptyCounters, type StatusSnapshot, type WorkerReport } from './snapshot.js';

export const COLLECT_LIMIT_MS = 500;

interface Collection {
  waiting: Set<number>;
  reports: WorkerReport[];
  answer(snapshot: StatusSnapshot): void;
  timer: NodeJS.Timeout;
}

export interface CollectSources {
  /** Asks every live worker for its report under `id`; returns the pids asked. */
  ask(id: number): number[];
  health(): PeerHealth[];
  generation(): number;
}

export class StatusCollector {
  private readonly collections = new Map<number, Collection>();
  private nextId = 1;
  /** What workers that exited counted, summed (their connections are closed: only totals stay). */
  private readonly retired: WorkerReport = { connections: emptyCounters(), peers: [] };

  constructor(private readonly sources: CollectSources) {}

  /** Starts a collection; `answer` is called once with the summed snapshot. */
  collect(answer: (snapshot: StatusSnapshot) => void): void {
    const id = this.nextId++;
    const pids = this.sources.ask(id);
    const c: Collection = { waiting: new Set(pids), reports: [], answer, timer: setTimeout(() => this.finish(id), COLLECT_LIMIT_MS) };
    this.collections.set(id, c);
    if (c.waiting.size === 0) this.finish(id);
  }

  /** A worker's report for collection `id`. */
  report(pid: number, id: number, report: WorkerReport): void {
    const c = this.collections.get(id);
    if (c === undefined || !c.waiting.delete(pid)) return;
    c.reports.push(report);
    if (c.waiting.size === 0) this.finish(id);
  }

  /** A worker's final report as it exits: its totals join the retired ones. */
  retire(pid: number, report: WorkerReport): void {
    this.gone(pid);
    const c = this.retired.connections;
    c.accepted += report.connections.accepted;
    c.handled += report.connections.handled;
    c.requests += report.connections.requests;
    const merged = aggregatePeers([this.retired.peers, report.peers]);
    this.retired.peers = merged.map((p) => ({ ...p, conns: 0 }));
  }

  /** A worker exited: no collection waits for it any more. */
  gone(pid: number): void {
    for (const [id, c] of this.collections) if (c.waiting.delete(pid) && c.waiting.size === 0) this.finish(id);
  }

  private finish(id: number): void {
    const c = this.collections.get(id);
    if (c === undefined) return;
    this.collections.delete(id);
    clearTimeout(c.timer);
    const snapshot = aggregate([...c.reports, this.retired], this.sources.health(), this.sources.generation());
    snapshot.workers = c.reports.length;
    c.answer(snapshot);
  }
}
