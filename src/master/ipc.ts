// The messages master and workers exchange over cluster's IPC channel. The configuration travels
// whole (it is plain data by design): a worker never re-reads the files, which may have changed
// since the master validated them.
import type { Config, ErrorLogConf } from '../config/types.js';
import type { PeerMark } from '../health/peer-health.js';
import type { StatusSnapshot, WorkerReport } from '../status/snapshot.js';

export type ToWorker =
  /** Comes with the master's listening socket for this address (a TCP handle). */
  | { type: 'socket'; key: string }
  /** The reply to 'ready': serve this configuration, log to these targets. */
  | { type: 'config'; config: Config; errorLogs: ErrorLogConf[]; health: PeerMark[] }
  /** Active health checks: every checked peer's state, after any transition (src/health/checker.ts). */
  | { type: 'health'; marks: PeerMark[] }
  /** Asks for this worker's counters (a status page is being built); reply 'status-report'. */
  | { type: 'status-query'; id: number }
  /** The answer to this worker's 'status-request': every worker's numbers summed. */
  | { type: 'status'; id: number; status: StatusSnapshot }
  /** Graceful shutdown (QUIT): stop accepting, finish in-flight requests, exit. */
  | { type: 'quit' }
  /** Fast shutdown (TERM/INT): close everything and exit now. */
  | { type: 'stop' }
  /** USR1: reopen the error and access logs. */
  | { type: 'reopen' };

export type FromWorker =
  /** Listening for messages: the master sends the configuration in reply. */
  | { type: 'ready' }
  /** Every listen address of the configuration accepts connections. */
  | { type: 'listening'; uid?: number }
  /** The worker cannot serve this configuration (e.g. bind() failed); it exits with code 2. */
  | { type: 'fatal'; message: string }
  /** stub_status / check_status: the master collects every worker's counters and answers 'status'. */
  | { type: 'status-request'; id: number }
  | { type: 'status-report'; id: number; report: WorkerReport }
  /** Sent as it exits: its totals (accepts, requests, peer traffic) live on in the master's sums. */
  | { type: 'status-final'; report: WorkerReport };

/** The exit code of a worker that must not be respawned, as nginx's ngx_worker_process_init uses it. */
export const FATAL_EXIT_CODE = 2;
