// What the static, index and autoindex tests share: files with a fixed mtime (so that ETag and
// Last-Modified are known values), and the error-log lines a request wrote, in nginx's words.
import fs from 'node:fs';
import path from 'node:path';

/** 2026-11-25 09:00:00 UTC, the mtime given to fixture files. */
export const FIXED_MTIME = 1795597200;

export function writeFixed(file: string, content: string | Buffer, mtime = FIXED_MTIME): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  fs.utimesSync(file, mtime, mtime);
}

/** nginx's error-log line for a request: time, level, pid, "*N", message, then the request's context. */
const REQUEST_LINE = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[(\w+)\] \d+#0: \*\d+ (.*), client: 127\.0\.0\.1, server: [^,]*, request: "[^"]*", host: "[^"]*"$/;

/**
 * Reads an error log (`read` returns its whole text) from a mark on: `lines()` gives what was
 * written since the last call (or since the reader was made), each as "[level] message"; a line
 * that is not in nginx's format for a request is kept whole, so that a comparison shows it.
 */
export class ErrorLogReader {
  private offset = 0;

  constructor(private readonly read: () => string) {
    this.skip();
  }

  /** Forgets what is in the log so far. */
  skip(): void {
    this.offset = Buffer.byteLength(this.read());
  }

  lines(): string[] {
    const log = Buffer.from(this.read());
    const text = log.subarray(this.offset).toString('utf8');
    this.offset = log.length;
    return text.split('\n').filter((line) => line !== '').map((line) => {
      const m = REQUEST_LINE.exec(line);
      return m === null ? line : `[${m[1]}] ${m[2]}`;
    });
  }
}
