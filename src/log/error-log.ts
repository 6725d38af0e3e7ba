// nginx's error log: "2026/11/24 15:49:30 [notice] 1234#0: message", to every configured target
// whose level admits the message; "stderr" is a target. Writes are synchronous appends (error
// logging is rare and must not be lost when a process exits right after); reopen() follows a
// file that logrotate moved away (USR1).
import fs from 'node:fs';
import path from 'node:path';
import { LOG_LEVELS, type ErrorLogConf, type LogLevel } from '../config/types.js';
import { errorLogTimestamp } from './clock.js';

const RANK: Record<LogLevel, number> = Object.fromEntries(LOG_LEVELS.map((l, i) => [l, i])) as Record<LogLevel, number>;

interface Target {
  conf: ErrorLogConf;
  fd: number;
}

export class ErrorLog {
  private targets: Target[] = [];
  /** The most verbose level any target accepts: one comparison decides whether to format. */
  private threshold = RANK.emerg;

  constructor(confs: readonly ErrorLogConf[], private readonly tag = `${process.pid}#0`) {
    this.open(confs);
  }

  private open(confs: readonly ErrorLogConf[]): void {
    this.targets = confs.map((conf) => ({ conf, fd: openTarget(conf) }));
    this.threshold = Math.min(...this.targets.map((t) => RANK[t.conf.level]), RANK.emerg);
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.threshold;
  }

  log(level: LogLevel, message: string): void {
    const rank = RANK[level];
    if (rank < this.threshold) return;
    const line = `${errorLogTimestamp()} [${level}] ${this.tag}: ${message}\n`;
    for (const t of this.targets) {
      if (rank < RANK[t.conf.level]) continue;
      try {
        fs.writeSync(t.fd, line);
      } catch {
        // A full disk or a vanished file must not take the server down.
      }
    }
  }

  /** Reopen every file target (after logrotate moved it away). */
  reopen(): void {
    const confs = this.targets.map((t) => t.conf);
    this.close();
    this.open(confs);
  }

  close(): void {
    for (const t of this.targets) if (t.fd > 2) fs.closeSync(t.fd);
    this.targets = [];
  }
}

function openTarget(conf: ErrorLogConf): number {
  if (conf.path === 'stderr') return 2;
  fs.mkdirSync(path.dirname(conf.path), { recursive: true });
  return fs.openSync(conf.path, 'a');
}
