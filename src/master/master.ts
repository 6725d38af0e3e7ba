// The master process (cluster primary): the process bin/ngts starts. It owns the configuration
// and the listening sockets, forks worker generations, and acts on nginx's signals: HUP reload,
// USR1 reopen logs, QUIT graceful shutdown, TERM/INT fast shutdown. It serves no request.
import cluster, { type Worker } from 'node:cluster';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import type { Startup } from '../cli-options.js';
import { LoadFailure, cpuCount, type LoadResult } from '../config/load.js';
import { formatConfigError } from '../config/report.js';
import { strerror } from '../log/strerror.js';
import type { Config, ErrorLogConf } from '../config/types.js';
import { ErrorLog } from '../log/error-log.js';
import { HealthChecker } from '../health/checker.js';
import { StatusCollector } from '../status/master-collect.js';
import { missingRequiredInternals } from '../node-internals.js';
import { NAME_VERSION } from '../version.js';
import { isRoot } from '../worker/privileges.js';
import { ConfigWatch, fileIdentities, type FileIdentities } from './config-watch.js';
import { detach, isDaemonChild, reportStartup } from './daemon.js';
import { FATAL_EXIT_CODE, type FromWorker } from './ipc.js';
import { ListenSockets } from './listen-sockets.js';
import { removePidFile, runningMaster, writePidFile } from './pid-file.js';
import { signalNumber } from './signal.js';
import { forkWorker, newGeneration, sendConfig, setupCluster, tell, send, type Generation, type WorkerRecord } from './workers.js';

/** After TERM, workers that have not exited this long after being told are killed (nginx: ~1 s). */
const STOP_KILL_DELAY_MS = 2000;

export async function runMaster(s: Startup): Promise<number> {
  let loaded: LoadResult;
  try {
    loaded = s.load();
  } catch (e) {
    if (!(e instanceof LoadFailure)) throw e;
    process.stderr.write(formatConfigError(e.error, e.sources));
    appendToBootLog(s, 'emerg', e.error.nginxText);
    reportStartup(formatConfigError(e.error, e.sources)); // the daemon's stderr is /dev/null
    return 1;
  }
  for (const w of loaded.warnings) process.stderr.write(formatConfigError(w, loaded.sources, 'warn'));
  const config = loaded.config;
  const holder = runningMaster(config.main.pid);
  if (holder !== undefined) {
    const text = `ngts is already running (pid ${holder} in "${config.main.pid}")`;
    process.stderr.write(`ngts: [emerg] ${text}\n`);
    reportStartup(`ngts: [emerg] ${text}\n`);
    return 1;
  }
  if (config.main.daemon && !isDaemonChild()) return detach();
  let master: Master;
  try {
    master = new Master(s, config);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (!err.syscall) throw e;
    const text = `open() "${err.path ?? ''}" failed (${strerror(err)})`;
    process.stderr.write(`ngts: [emerg] ${text}\n`);
    reportStartup(`ngts: [emerg] ${text}\n`);
    return 1;
  }
  return master.run();
}


function commandLineErrorLog(s: Startup): string | undefined {
  const e = s.options.errorLog;
  if (e === undefined) return undefined;
  return e === 'stderr' ? 'stderr' : path.resolve(s.prefix, e);
}

/** Before a configuration is read, errors go to -e's log (or the default one) as well as stderr. */
function appendToBootLog(s: Startup, level: 'emerg', message: string): void {
  const file = commandLineErrorLog(s) ?? `${s.prefix}/logs/error.log`;
  if (file === 'stderr') return;
  try {
    const log = new ErrorLog([{ path: file, level: 'error' }]);
    log.log(level, message);
    log.close();
  } catch {
    // No writable log yet: stderr said it.
  }
}

class Master {
  private log: ErrorLog;
  private current?: Generation;
  private readonly records = new Map<Worker, WorkerRecord>();
  private readonly sockets = new ListenSockets((level, message) => this.log.log(level, message));
  private shutdown?: 'quit' | 'stop';
  private reloading = false;
  private reloadQueued = false;
  private watch?: ConfigWatch;
  /** The configuration's files as they were when it was read (config_watch compares). */
  private configFiles: FileIdentities;
  private pidFile: string;
  private pidWritten = false;
  private finished!: (code: number) => void;
  private killTimer?: NodeJS.Timeout;
  /** The uid workers run as, so that log files reopened by root stay writable for them. */
  private workerUid?: number;
  private exitCode = 0;
  /** Active health checks: probes run here, once, and every worker hears the verdicts. */
  private readonly checker = new HealthChecker((level, message) => this.log.log(level, message), () => this.broadcastHealth());
  /** stub_status / check_status: every worker's counters, summed on request. */
  private readonly collector = new StatusCollector({
    ask: (id) => {
      const pids: number[] = [];
      for (const record of this.records.values()) {
        if (!record.worker.isConnected()) continue;
        send(record, { type: 'status-query', id });
        pids.push(record.pid);
      }
      return pids;
    },
    health: () => this.checker.snapshot(),
    generation: () => this.current?.id ?? 0,
  });

  constructor(private readonly startup: Startup, private config: Config) {
    this.log = new ErrorLog(config.main.errorLogs);
    this.pidFile = config.main.pid;
    this.configFiles = fileIdentities(config.files);
  }

  run(): Promise<number> {
    const done = new Promise<number>((resolve) => { this.finished = resolve; });
    // As in `ps`: "nginx: master process /usr/sbin/nginx -c …".
    process.title = `ngts: master process ${process.argv.slice(1).join(' ')}`;
    setupCluster();
    cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => this.onExit(worker, code, signal as NodeJS.Signals | null));
    this.log.log('notice', NAME_VERSION);
    this.log.log('notice', `OS: ${os.type()} ${os.release()}`);
    if (this.config.main.user && !isRoot()) {
      this.log.log('warn', 'the "user" directive makes sense only if the master process runs with super-user privileges, ignored');
    }
    this.installSignals();
    this.checker.configure(this.config);
    const generation = newGeneration(this.config, this.config.main.errorLogs);
    this.startGeneration(generation).then(() => {
      this.current = generation;
      this.sockets.retain([generation.config]);
      if (this.shutdown) return;
      writePidFile(this.pidFile);
      this.pidWritten = true;
      this.updateWatch();
      reportStartup();
      if (this.reloadQueued) void this.reload();
    }, (reason: string) => {
      if (this.shutdown) return; // a signal stopped the startup: nothing failed
      this.log.log('emerg', reason);
      if (!isDaemonChild() && !generation.errorLogs.some((l) => l.path === 'stderr')) process.stderr.write(`ngts: [emerg] ${reason}\n`);
      reportStartup(`ngts: [emerg] ${reason}\n`);
      this.exitCode = 1;
      this.beginShutdown('quit');
    });
    return done;
  }

  // ---- signals ----

  private installSignals(): void {
    const on = (signal: NodeJS.Signals, action: string, run: () => void): void => {
      process.on(signal, () => {
        this.log.log('notice', `signal ${signalNumber(signal)} (${signal}) received, ${action}`);
        run();
      });
    };
    on('SIGHUP', 'reconfiguring', () => void this.reload());
    on('SIGUSR1', 'reopening logs', () => this.reopen());
    on('SIGQUIT', 'shutting down', () => this.beginShutdown('quit'));
    on('SIGTERM', 'exiting', () => this.beginShutdown('stop'));
    on('SIGINT', 'exiting', () => this.beginShutdown('stop'));
    // Binary upgrade (USR2) and WINCH are nginx features ngts does not have: never die of them.
    on('SIGUSR2', 'ignored (binary upgrade is not supported)', () => {});
    on('SIGWINCH', 'ignored', () => {});
  }

  // ---- generations ----

  private startGeneration(generation: Generation): Promise<void> {
    const missing = missingRequiredInternals();
    if (missing) return Promise.reject(missing);
    // Like nginx, bind before forking: a bind failure costs no worker.
    const bindFailure = this.sockets.open(generation.config);
    if (bindFailure) return Promise.reject(bindFailure);
    const count = generation.config.main.workerProcesses === 'auto' ? cpuCount() : generation.config.main.workerProcesses;
    this.log.log('notice', 'start worker processes');
    return new Promise<void>((resolve, reject) => {
      generation.starting = { pending: count, resolve, reject };
      for (let i = 0; i < count; i++) this.fork(generation);
    }).finally(() => { generation.starting = undefined; });
  }

  private fork(generation: Generation): void {
    const record = forkWorker(generation);
    this.records.set(record.worker, record);
    this.log.log('notice', `start worker process ${record.pid}`);
    record.worker.on('message', (message: FromWorker) => this.onMessage(record, message));
    record.worker.on('error', () => { /* IPC to a dying worker; its exit follows */ });
  }

  private onMessage(record: WorkerRecord, message: FromWorker): void {
    if (message.type === 'ready') {
      sendConfig(record, this.sockets, this.checker.marksFor(record.generation.config));
    } else if (message.type === 'listening') {
      record.listening = true;
      if (message.uid !== undefined) this.workerUid = message.uid;
      const starting = record.generation.starting;
      if (starting && --starting.pending === 0) starting.resolve();
    } else if (message.type === 'status-request') {
      this.collector.collect((status) => send(record, { type: 'status', id: message.id, status }));
    } else if (message.type === 'status-report') {
      this.collector.report(record.pid, message.id, message.report);
    } else if (message.type === 'status-final') {
      this.collector.retire(record.pid, message.report);
    } else if (message.type === 'fatal') {
      record.fatal = message.message;
      const starting = record.generation.starting;
      if (starting) starting.reject(message.message);
      else this.log.log('emerg', message.message);
    }
  }

  private onExit(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    const record = this.records.get(worker);
    if (!record) return;
    this.records.delete(worker);
    this.collector.gone(record.pid);
    const generation = record.generation;
    generation.workers.delete(record);
    const expected = record.told !== undefined;
    // nginx's ngx_process_get_status wording and levels.
    if (signal) {
      this.log.log('alert', `worker process ${record.pid} exited on signal ${signalNumber(signal)}`);
    } else {
      this.log.log('notice', `worker process ${record.pid} exited with code ${code}`);
      if (code === FATAL_EXIT_CODE && !expected) {
        this.log.log('alert', `worker process ${record.pid} exited with fatal code ${code} and cannot be respawned`);
      }
    }
    if (generation.starting && !record.listening) {
      generation.starting.reject(record.fatal ?? `worker process ${record.pid} exited during startup`);
    } else if (!expected && !this.shutdown && generation === this.current && code !== FATAL_EXIT_CODE) {
      // Died unexpectedly (killed, crashed): its generation still serves, so it gets a successor.
      this.fork(generation);
    }
    this.checkFinished();
  }

  // ---- reload ----

  private async reload(): Promise<void> {
    if (this.shutdown) return;
    if (this.reloading || !this.current) {
      // HUPs that arrive during a reload (or during startup) are served by one more reload after it.
      this.reloadQueued = true;
      return;
    }
    this.reloading = true;
    try {
      do {
        this.reloadQueued = false;
        await this.reloadOnce();
      } while (this.reloadQueued && !this.shutdown);
    } finally {
      this.reloading = false;
    }
  }

  private async reloadOnce(): Promise<void> {
    this.log.log('notice', 'reconfiguring');
    let loaded: LoadResult;
    try {
      loaded = this.startup.load();
    } catch (e) {
      if (!(e instanceof LoadFailure)) throw e;
      this.log.log('emerg', e.error.nginxText);
      return;
    }
    for (const w of loaded.warnings) this.log.log('warn', w.nginxText);
    const config = loaded.config;
    const configFiles = fileIdentities(config.files);
    // -e is already the default error log of the loaded configuration (config/load.ts).
    const errorLogs = config.main.errorLogs;
    let newLog: ErrorLog;
    try {
      newLog = new ErrorLog(errorLogs);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      this.log.log('emerg', `open() "${err.path ?? ''}" failed (${strerror(err)})`);
      return;
    }
    const generation = newGeneration(config, errorLogs);
    try {
      await this.startGeneration(generation);
    } catch (reason) {
      // A shutdown during the reload makes its workers exit: that is no configuration error.
      if (!this.shutdown) this.log.log('emerg', String(reason));
      for (const record of generation.workers) tell(record, 'quit');
      this.sockets.retain([this.config]);
      newLog.close();
      return;
    }
    if (this.shutdown) {
      newLog.close();
      return;
    }
    // Removed addresses close now: old workers drop their copies as they start draining.
    this.sockets.retain([config]);
    const previous = this.current;
    this.current = generation;
    this.config = config;
    this.configFiles = configFiles;
    this.log.close();
    this.log = newLog;
    if (config.main.pid !== this.pidFile) {
      writePidFile(config.main.pid);
      removePidFile(this.pidFile);
      this.pidFile = config.main.pid;
    }
    this.updateWatch();
    this.checker.configure(config);
    if (previous) for (const record of previous.workers) tell(record, 'quit');
  }

  private updateWatch(): void {
    if (this.shutdown) return;
    if (!this.config.main.configWatch) {
      void this.watch?.close();
      this.watch = undefined;
      return;
    }
    if (this.watch) this.watch.setFiles(this.configFiles);
    else {
      this.watch = new ConfigWatch(this.configFiles, (file) => {
        this.log.log('notice', `configuration file ${file} changed, reconfiguring`);
        void this.reload();
      });
    }
  }

  // ---- health checks ----

  /** Every worker of every generation gets the whole picture: a few bytes per checked peer. */
  private broadcastHealth(): void {
    const marks = this.checker.marks();
    for (const record of this.records.values()) send(record, { type: 'health', marks });
  }

  // ---- reopen ----

  private reopen(): void {
    this.log.log('notice', 'reopening logs');
    try {
      this.log.reopen();
    } catch (e) {
      this.log.log('alert', `reopening logs failed (${strerror(e as NodeJS.ErrnoException)})`);
    }
    this.chownLogsForWorkers();
    for (const record of this.records.values()) send(record, { type: 'reopen' });
  }

  /** As nginx's ngx_reopen_files: files the master (root) recreated must stay writable by workers. */
  private chownLogsForWorkers(): void {
    if (!isRoot() || this.workerUid === undefined || this.workerUid === 0) return;
    for (const target of this.current?.errorLogs ?? []) {
      if (target.path === 'stderr') continue;
      try {
        fs.chownSync(target.path, this.workerUid, -1);
      } catch {
        // The worker reports its own failure to reopen.
      }
    }
  }

  // ---- shutdown ----

  private beginShutdown(mode: 'quit' | 'stop'): void {
    if (this.shutdown === 'stop' || this.shutdown === mode) return;
    this.shutdown = mode;
    this.checker.stop();
    void this.watch?.close();
    this.watch = undefined;
    // As nginx's master on QUIT/TERM: stop accepting now (workers close their copies as they drain).
    this.sockets.closeAll();
    for (const record of this.records.values()) tell(record, mode);
    if (mode === 'stop') {
      this.killTimer = setTimeout(() => {
        for (const record of this.records.values()) record.worker.process.kill('SIGKILL');
      }, STOP_KILL_DELAY_MS);
    }
    this.checkFinished();
  }

  private checkFinished(): void {
    if (!this.shutdown || this.records.size > 0) return;
    if (this.killTimer) clearTimeout(this.killTimer);
    this.sockets.closeAll();
    if (this.pidWritten) removePidFile(this.pidFile);
    for (const signal of ['SIGHUP', 'SIGUSR1', 'SIGQUIT', 'SIGTERM', 'SIGINT', 'SIGUSR2', 'SIGWINCH'] as const) {
      process.removeAllListeners(signal);
    }
    cluster.removeAllListeners('exit');
    this.log.log('notice', 'exit');
    this.log.close();
    this.finished(this.exitCode);
  }
}
