// Worker generations: every configuration the master accepted runs in its own set of workers.
// A reload starts a new generation and, once all its workers listen, asks the previous one to
// quit gracefully; a worker that dies unexpectedly is replaced within its generation.
//
// Scheduling policy: SCHED_NONE — each worker accept()s on the listening socket that the master
// created and shares with it (nginx's model: workers accept on inherited sockets). Chosen over
// node's default SCHED_RR, where the master accept()s every connection and hands it to a worker
// over IPC, because:
//  - the accept queue belongs to the socket, which the master keeps open while any generation
//    uses it: when an old worker stops listening, connections the kernel queued are accepted by
//    the new generation. Nothing the kernel accepted is dropped, and no hand-off is in flight
//    to a worker that is closing or gets killed (with SCHED_RR such a handle is lost);
//  - the master serves no traffic: a master busy parsing a config on reload delays nobody, and
//    connections do not all funnel through one process and an IPC round trip.
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { Config, ErrorLogConf } from '../config/types.js';
import type { ToWorker } from './ipc.js';

export interface Generation {
  readonly id: number;
  readonly config: Config;
  readonly errorLogs: ErrorLogConf[];
  readonly workers: Set<WorkerRecord>;
  /** Set while the generation is starting: settles once every worker listens (or one fails). */
  starting?: { pending: number; resolve(): void; reject(reason: string): void };
}

export interface WorkerRecord {
  readonly worker: Worker;
  readonly pid: number;
  readonly generation: Generation;
  listening: boolean;
  /** What the master asked of it: its exit is then expected. */
  told?: 'quit' | 'stop';
  /** Why it cannot serve (it exits with FATAL_EXIT_CODE). */
  fatal?: string;
}

let configured = false;

/** Once, before the first fork: the worker entry point and the scheduling policy. */
export function setupCluster(): void {
  if (configured) return;
  configured = true;
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ exec: fileURLToPath(new URL('../worker/main.js', import.meta.url)), args: [] });
}

let nextGeneration = 1;

export function newGeneration(config: Config, errorLogs: ErrorLogConf[]): Generation {
  return { id: nextGeneration++, config, errorLogs, workers: new Set() };
}

/** Forks one worker of `generation`; it gets its configuration once it says it is ready. */
export function forkWorker(generation: Generation): WorkerRecord {
  const worker = cluster.fork();
  const record: WorkerRecord = { worker, pid: worker.process.pid!, generation, listening: false };
  generation.workers.add(record);
  return record;
}

export function sendConfig(record: WorkerRecord): void {
  send(record, { type: 'config', config: record.generation.config, errorLogs: record.generation.errorLogs });
}

export function send(record: WorkerRecord, message: ToWorker): void {
  if (!record.worker.isConnected()) return;
  try {
    record.worker.send(message);
  } catch {
    // It is exiting; its 'exit' event follows.
  }
}

/** Asks a worker to quit or stop; its exit is then expected and not respawned. */
export function tell(record: WorkerRecord, what: 'quit' | 'stop'): void {
  if (record.told === 'stop' || record.told === what) return;
  record.told = what;
  send(record, { type: what });
}
