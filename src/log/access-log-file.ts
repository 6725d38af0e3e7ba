// Access log files (ngx_http_log_module's open files): one per path, shared by every level that
// names it, written in lines (what a line says is src/http/access-log.ts's business). Without
// `buffer=` the lines of one event-loop turn are written together; with it they are held until
// the buffer fills, `flush=` elapses, logs are reopened (USR1) or the worker exits. A failed write
// is dropped (nginx logs it to the error log and goes on): it never breaks a response.
import fs from 'node:fs';
import path from 'node:path';
import type { ErrorLog } from './error-log.js';
import { strerror } from './strerror.js';

export class AccessLogFile {
  private fd = -1;
  private pending: string[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private failedReported = false;

  constructor(
    readonly file: string,
    /** Bytes held before a write; 0: write at the end of the event-loop turn. */
    private readonly bufferSize: number,
    private readonly flushMs: number | undefined,
    private readonly errorLog: ErrorLog,
  ) {
    this.open();
  }

  private open(): void {
    try {
      this.fd = openAppend(this.file);
      this.failedReported = false;
    } catch (e) {
      this.fd = -1;
      this.report('open()', e);
    }
  }

  write(line: string): void {
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.bufferSize > 0) {
      if (this.pendingBytes >= this.bufferSize) this.flush();
      else if (this.flushMs !== undefined && !this.timer) {
        this.timer = setTimeout(() => this.flush(), this.flushMs);
        this.timer.unref();
      }
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return;
    const data = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    if (this.fd < 0) return;
    try {
      fs.writeSync(this.fd, data);
    } catch (e) {
      this.report('write()', e);
    }
  }

  reopen(): void {
    this.flush();
    this.close();
    this.open();
  }

  close(): void {
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already gone
      }
    }
    this.fd = -1;
  }

  private report(call: string, e: unknown): void {
    if (this.failedReported) return;
    this.failedReported = true;
    this.errorLog.log('alert', `${call} to "${this.file}" failed (${strerror(e as NodeJS.ErrnoException)})`);
  }
}

// A missing "logs" directory under the prefix is created (one level, never a recursive mkdir:
// node's recursive mkdir can spin forever on /proc-like file systems).
function openAppend(file: string): number {
  try {
    return fs.openSync(file, 'a');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    try {
      fs.mkdirSync(path.dirname(file));
    } catch {
      throw e;
    }
    return fs.openSync(file, 'a');
  }
}
