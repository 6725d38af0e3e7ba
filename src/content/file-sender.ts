// Streams byte ranges of an open file to a response with backpressure: one read of up to
// CHUNK_SIZE bytes at a time, the next read only once the response has accepted the previous
// chunk (res.write() true, or 'drain'). A slow client therefore pins at most about two chunks
// plus the socket buffers, whatever the file's size. Each range may be preceded by a prefix
// (multipart part headers) and the body followed by a tail (the closing boundary).
//
// The callbacks are bound once per response, not per chunk.
import fs from 'node:fs';
import type http from 'node:http';

/** Big reads: few syscalls and few socket writes per megabyte. */
export const CHUNK_SIZE = 256 * 1024;

export interface Segment {
  prefix: Buffer | null;
  start: number;
  /** Exclusive. */
  end: number;
}

export class FileSender {
  private segment = 0;
  private pos: number;
  private reading = false;
  private closed = false;
  private finished = false;
  private buf: Buffer | null = null;
  private readonly onRead = this.afterRead.bind(this);
  private readonly onDrain = this.pump.bind(this);
  private readonly onClose = this.afterClose.bind(this);

  constructor(
    private readonly fd: number,
    private readonly res: http.ServerResponse,
    private readonly segments: Segment[],
    private readonly tail: Buffer | null,
  ) {
    this.pos = segments.length > 0 ? segments[0].start : 0;
  }

  start(): void {
    this.res.once('close', this.onClose);
    const first = this.segments[0];
    if (first !== undefined && first.prefix !== null) this.res.write(first.prefix);
    this.pump();
  }

  private pump(): void {
    if (this.closed || this.reading) return;
    let seg = this.segments[this.segment];
    while (seg !== undefined && this.pos >= seg.end) {
      seg = this.segments[++this.segment];
      if (seg === undefined) break;
      this.pos = seg.start;
      if (seg.prefix !== null && !this.res.write(seg.prefix)) {
        this.res.once('drain', this.onDrain);
        return;
      }
    }
    if (seg === undefined) return this.finish();
    const want = Math.min(CHUNK_SIZE, seg.end - this.pos);
    // A fresh buffer per read: the previous one may still sit in the socket's queue.
    this.buf = Buffer.allocUnsafe(want);
    this.reading = true;
    fs.read(this.fd, this.buf, 0, want, this.pos, this.onRead);
  }

  private afterRead(err: NodeJS.ErrnoException | null, bytesRead: number): void {
    this.reading = false;
    if (this.closed) return this.closeFd();
    if (err !== null || bytesRead === 0) {
      // The file shrank or failed under us after the headers promised a length: nginx logs and
      // closes the connection in this case too ("file has been truncated").
      this.closed = true;
      this.closeFd();
      this.res.destroy();
      return;
    }
    const buf = this.buf!;
    this.buf = null;
    this.pos += bytesRead;
    if (this.res.write(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead))) this.pump();
    else this.res.once('drain', this.onDrain);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.res.removeListener('close', this.onClose);
    if (this.tail !== null) this.res.end(this.tail);
    else this.res.end();
    this.closeFd();
  }

  private afterClose(): void {
    if (this.finished) return;
    this.closed = true;
    if (!this.reading) this.closeFd();
  }

  private fdClosed = false;

  private closeFd(): void {
    if (this.fdClosed) return;
    this.fdClosed = true;
    fs.close(this.fd, noop);
  }
}

function noop(): void {}
