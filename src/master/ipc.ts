// The messages master and workers exchange over cluster's IPC channel. The configuration travels
// whole (it is plain data by design): a worker never re-reads the files, which may have changed
// since the master validated them.
import type { Config, ErrorLogConf } from '../config/types.js';
import type { PeerMark } from '../health/peer-health.js';

export type ToWorker =
  /** Comes with the master's listening socket for this address (a TCP handle). */
  | { type: 'socket'; key: string }
  /** The reply to 'ready': serve this configuration, log to these targets. */
  | { type: 'config'; config: Config; errorLogs: ErrorLogConf[]; health: PeerMark[] }
  /** Active health checks: every checked peer's state, after any transition (src/health/checker.ts). */
  | { type: 'health'; marks: PeerMark[] }
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
  | { type: 'fatal'; message: string };

/** The exit code of a worker that must not be respawned, as nginx's ngx_worker_process_init uses it. */
export const FATAL_EXIT_CODE = 2;
