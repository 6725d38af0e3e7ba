// The client's request body on its way upstream. Bodies up to RETRY_BODY_LIMIT are read
// before the upstream is contacted, as nginx buffers them: a retry can resend them, and a
// chunked one goes upstream with a Content-Length. Larger bodies stream (memory stays flat), so
// they are not retried once sent, and a chunked one stays chunked (over HTTP/1.1 even with
// proxy_http_version 1.0). client_max_body_size is checked here on bodies without
// Content-Length (the core checked the others).
import type http from 'node:http';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import type { ProxyRun } from './run.js';

export const RETRY_BODY_LIMIT = 64 * 1024;

/** Whether the client request has a body to send (a Content-Length other than 0, or chunked). */
export function hasRequestBody(req: http.IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** Starts the run once its body is ready: at once without one, else read or streamed. */
export function startWithBody(run: ProxyRun): void {
  const length = run.req.headers['content-length'];
  if (!run.hasBody) run.start();
  else if (length !== undefined && Number(length) > RETRY_BODY_LIMIT) streamRequestBody(run, []);
  else readRequestBody(run);
}

/** Reads the body up to RETRY_BODY_LIMIT; a longer one is streamed from there on. */
function readRequestBody(run: ProxyRun): void {
  const req = run.req;
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (c: Buffer): void => {
    chunks.push(c);
    size += c.length;
    if (overBodyLimit(run, size)) {
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.pause();
      run.tooLarge(size);
    } else if (size > RETRY_BODY_LIMIT) {
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.pause();
      streamRequestBody(run, chunks);
    }
  };
  const onEnd = (): void => {
    run.body = Buffer.concat(chunks, size);
    run.bodyLength = String(size);
    if (!run.over) run.start();
  };
  req.on('data', onData);
  req.once('end', onEnd);
}

/** Streams the body: `head` (already read), then the rest of the request, with backpressure. */
function streamRequestBody(run: ProxyRun, head: Buffer[]): void {
  const length = run.req.headers['content-length'];
  run.bodyLength = length ?? 'chunked';
  const limited = length === undefined && (run.plan.maxBodySize ?? 0) > 0;
  if (head.length > 0 || limited) {
    const stream = new BodyCounter(run, limited);
    for (const c of head) stream.write(c);
    run.req.pipe(stream);
    run.bodyStream = stream;
  }
  run.start();
}

/** client_max_body_size, for a body without Content-Length (the core checked the others). */
function overBodyLimit(run: ProxyRun, size: number): boolean {
  const max = run.plan.maxBodySize ?? 0;
  return max > 0 && size > max && run.req.headers['content-length'] === undefined;
}

/** The streamed request body on its way upstream, counted against client_max_body_size. */
class BodyCounter extends Transform {
  private size = 0;

  constructor(private readonly run: ProxyRun, private readonly limited: boolean) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.limited && overBodyLimit(this.run, this.size)) {
      callback();
      this.run.tooLarge(this.size);
      return;
    }
    callback(null, chunk);
  }
}

/**
 * What http-proxy pipes into the upstream request when the client sent no body: it ends the
 * request at once, sparing a pipe from the (already ended) client request per request.
 */
export interface EmptyBody {
  pipe<T extends NodeJS.WritableStream>(dest: T): T;
}

export const EMPTY_BODY: EmptyBody = {
  pipe<T extends NodeJS.WritableStream>(dest: T): T {
    dest.end();
    return dest;
  },
};

/**
 * The body for the next attempt: none, the buffered copy (resendable), or the stream (once:
 * the run can no longer retry after it).
 */
export function bodySource(run: ProxyRun): Readable | EmptyBody | undefined {
  if (run.body !== undefined) return Readable.from([run.body]);
  if (!run.hasBody) return EMPTY_BODY;
  run.bodyConsumed = true;
  return run.bodyStream;
}
