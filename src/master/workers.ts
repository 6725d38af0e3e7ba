// Worker generations: every configuration the master accepted runs in its own set of workers.
// A reload starts a new generation and, once all its workers listen, asks the previous one to
// quit gracefully; a worker that dies unexpectedly is replaced within its generation.
// The listening sockets are the master's (listen-sockets.ts), handed to each worker over IPC;
// cluster only forks the workers and carries the messages.
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { Config, ErrorLogConf } from '../config/types.js';
import type { PeerMark } from '../health/peer-health.js';
import type { ToWorker } from './ipc.js';
import { listensOf, type ListenSockets } from './listen-sockets.js';

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

/**
 * V8's allocation-site pretenuring misfires in a proxying worker: under load it sees one
 * per-request object literal survive every scavenge and starts allocating it directly in the
 * old generation. Those objects die with their request but stay until the next mark-compact,
 * and what they point to (the request's young objects) survives every scavenge through the
 * old-to-new remembered set, gets promoted, and keeps the site's survival rate at 100%: a
 * stable bad state (trace-gc-nvp: survival 35%, 2.7 MB promoted per scavenge, 3–7 ms pauses;
 * without pretenuring 3%, nothing promoted, 0.6 ms). A worker's long-lived data is its
 * configuration, built once, so normal promotion costs it nothing.
 */
const WORKER_V8_FLAGS = ['--no-allocation-site-pretenuring'];

let configured = false;

/** Once, before the first fork: the worker entry point. */
export function setupCluster(): void {
  if (configured) return;
  configured = true;
  // Workers listen on handles the master passes them, never through cluster's shared listen;
  // SCHED_NONE only keeps cluster from ever accept()ing in the master should that change.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({
    exec: fileURLToPath(new URL('../worker/main.js', import.meta.url)),
    args: [],
    // Ours first: a V8 flag given to node by hand (`node --allocation-site-pretenuring bin/ngts`) comes later and wins.
    execArgv: [...WORKER_V8_FLAGS, ...process.execArgv],
  });
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

/**
 * The worker's listening sockets (one message each: IPC carries one handle per message), then its
 * config with the health-check marks it starts from.
 */
export function sendConfig(record: WorkerRecord, sockets: ListenSockets, health: PeerMark[]): void {
  for (const listen of listensOf(record.generation.config)) {
    const handle = sockets.get(listen.key);
    if (handle && record.worker.isConnected()) record.worker.send({ type: 'socket', key: listen.key } satisfies ToWorker, handle as never);
  }
  send(record, { type: 'config', config: record.generation.config, errorLogs: record.generation.errorLogs, health });
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
