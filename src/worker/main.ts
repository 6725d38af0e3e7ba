// A worker process (cluster worker): receives its configuration from the master over IPC, listens
// on every listen address (the sockets are shared through the master, so several generations
// of workers can serve the same port during a reload), and drains on QUIT. The master tells it
// what to do by message; the same signals nginx's workers obey work too (QUIT, TERM, INT, USR1).
import type http from 'node:http';
import type { Config, ErrorLogConf } from '../config/types.js';
import { strerror } from '../log/strerror.js';
import { createHttpRuntime, type HttpRuntime } from '../http/runtime.js';
import { ErrorLog } from '../log/error-log.js';
import type { PeerMark } from '../health/peer-health.js';
import { setPeerCheckDown } from '../proxy/peers.js';
import { countConnections, countRequest, statusAnswered, workerReport } from '../status/worker-counters.js';
import { FATAL_EXIT_CODE, type FromWorker, type ToWorker } from '../master/ipc.js';
import { ConnectionDrain } from './drain.js';
import { listenOnHandle } from './listen-handle.js';
import { dropPrivileges, setRlimitNofile } from './privileges.js';

type State = 'waiting' | 'serving' | 'draining' | 'exiting';

let state: State = 'waiting';
let errorLog: ErrorLog | undefined;
let runtime: HttpRuntime | undefined;
let shutdownTimer: NodeJS.Timeout | undefined;
/** worker_shutdown_timeout of this worker's configuration (ms), if set. */
let currentShutdownTimeout: number | undefined;
const drain = new ConnectionDrain();

/** Called first for every request: the drain's and the status counters' bookkeeping. */
function onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
  drain.onRequest(req, res);
  countRequest(req, res);
}

function send(message: FromWorker, then?: () => void): void {
  if (process.connected) process.send!(message, undefined, undefined, () => then?.());
  else then?.();
}

function start(config: Config, errorLogs: ErrorLogConf[]): void {
  if (state !== 'waiting') return;
  state = 'serving';
  errorLog = new ErrorLog(errorLogs);
  // Both need root's rights, so they come before dropping them, as in ngx_worker_process_init.
  if (config.main.workerRlimitNofile !== undefined) {
    const failure = setRlimitNofile(config.main.workerRlimitNofile);
    if (failure) errorLog.log('alert', failure);
  }
  runtime = createHttpRuntime(config, { errorLog, isDraining: drain.isDraining, onRequest });
  const failure = dropPrivileges(config.main);
  if (failure) return fatal(failure);
  listenAll(runtime);
}

function listening(): void {
  send({ type: 'listening', uid: process.getuid?.() });
}

/** The master's listening sockets, by listen key (they arrive just before the config). */
const sockets = new Map<string, unknown>();

function listenAll(rt: HttpRuntime): void {
  let pending = rt.servers.length;
  if (pending === 0) listening();
  for (const { listen, server } of rt.servers) {
    drain.track(server);
    countConnections(server);
    const backlog = listen.backlog ?? 511;
    const onListenError = (e: NodeJS.ErrnoException): void => {
      fatal(`listen() to ${listen.key}, backlog ${backlog} failed (${strerror(e)})`);
    };
    const handle = sockets.get(listen.key);
    if (!handle) return fatal(`no listening socket for ${listen.key}`);
    server.once('error', onListenError);
    listenOnHandle(server, handle, listen.unix !== undefined, backlog, () => {
      server.off('error', onListenError);
      // accept() failures (EMFILE…) after this point: logged as nginx does, the worker goes on.
      server.on('error', (e: NodeJS.ErrnoException) => errorLog?.log('alert', `accept4() failed (${strerror(e)})`));
      if (--pending === 0 && state === 'serving') listening();
    });
  }
}

/** This worker cannot serve its configuration: the master logs why, and does not respawn it. */
function fatal(message: string): void {
  // Drain rather than exit (it may have accepted connections on addresses that did listen),
  // once the message is out: process.exit() would drop it.
  send({ type: 'fatal', message }, () => quit(FATAL_EXIT_CODE, false));
}

function quit(code = 0, announce = true): void {
  if (state === 'draining' || state === 'exiting') return;
  if (state === 'waiting' || !runtime) return exit(code);
  state = 'draining';
  if (announce) errorLog?.log('notice', 'gracefully shutting down');
  // Idle upstream keep-alive connections close now; requests in flight finish.
  runtime.retire();
  const timeout = currentShutdownTimeout;
  if (timeout !== undefined) shutdownTimer = setTimeout(() => drain.closeAll(), timeout);
  drain.drain(() => exit(code));
}

function stop(): void {
  if (state === 'exiting') return;
  drain.closeAll();
  exit(0);
}

function exit(code: number): void {
  state = 'exiting';
  if (shutdownTimer) clearTimeout(shutdownTimer);
  errorLog?.log('notice', 'exiting');
  runtime?.flush();
  errorLog?.log('notice', 'exit');
  errorLog?.close();
  // The totals outlive this worker (nginx keeps them in shared memory): the master adds them to
  // what stub_status and check_status report. Not waiting more than a moment for the channel.
  setTimeout(() => process.exit(code), 500);
  send({ type: 'status-final', report: workerReport() }, () => process.exit(code));
}

function reopen(): void {
  if (!errorLog) return;
  errorLog.log('notice', 'reopening logs');
  try {
    errorLog.reopen();
    runtime?.reopenLogs();
  } catch (e) {
    errorLog.log('alert', `reopening logs failed (${strerror(e as NodeJS.ErrnoException)})`);
  }
}

/** The master's health-check verdicts: every balancer skips a peer marked down. */
function applyHealth(marks: readonly PeerMark[]): void {
  for (const m of marks) setPeerCheckDown(m.upstream, m.address, m.down);
}

process.on('message', (message: ToWorker, handle: unknown) => {
  switch (message.type) {
    case 'socket':
      sockets.set(message.key, handle);
      return;
    case 'config':
      currentShutdownTimeout = message.config.main.workerShutdownTimeout;
      applyHealth(message.health);
      return start(message.config, message.errorLogs);
    case 'health': return applyHealth(message.marks);
    case 'status-query':
      // Once exiting, its final report is the master's (status-final): not counted twice.
      if (state !== 'exiting') send({ type: 'status-report', id: message.id, report: workerReport() });
      return;
    case 'status': return statusAnswered(message.id, message.status);
    case 'quit': return quit();
    case 'stop': return stop();
    case 'reopen': return reopen();
  }
});
process.on('SIGQUIT', () => quit());
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('SIGUSR1', reopen);
// The master's business (nginx's workers ignore them too); without a handler node would exit.
process.on('SIGHUP', () => {});
process.on('SIGUSR2', () => {});
process.title = 'ngts: worker process';
// Messages that arrive before a 'message' listener exists are lost: ask for the config only now.
send({ type: 'ready' });
process.on('uncaughtException', (e) => {
  errorLog?.log('alert', `worker process crashed: ${e.stack ?? e}`);
  process.exit(1);
});
