// Serving one file from disk (nginx's static module with the not_modified and range filters),
// once the HTTP core has chosen the location and mapped the URI to a path known to lie under
// root/alias. The core handles what follows from the outcome (error_page, index, try_files, the
// 301 for a directory). The header filters (add_header, expires) run inside res.writeHead()
// (src/http/response.ts), so nothing here knows about them.
//
// Hot path (a small file already cached): one stat, one Map lookup, a few header reads, and
// res.writeHead() with the entry's prepared header array. Misses read small files into the
// open-file cache; larger files are streamed with backpressure by FileSender.
import fs from 'node:fs';
import type http from 'node:http';
import type { LogLevel, MergedLocConf } from '../config/types.js';
import { evaluatePreconditions, Precondition } from './conditional.js';
import { statPath, S_IFDIR, S_IFREG, type StatResult } from './fast-stat.js';
import { FileSender, type Segment } from './file-sender.js';
import { strerror } from '../log/strerror.js';
import { contentTypeFor } from './mime.js';
import { CachedError, CachedFile, openFileCache, type FileIdentity } from './open-file-cache.js';
import { decideRanges, multipartFrame, UNSATISFIABLE, WHOLE, type ByteRange } from './range.js';

export interface StaticContext {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  /** Absolute path on disk, already checked against traversal by the core. */
  filePath: string;
  loc: MergedLocConf;
  /** The normalized URI (nginx's r->uri): its extension picks the Content-Type, as in nginx. */
  uri: string;
  /** The method the request has at this point (nginx's r->method): error_page turns a POST into a GET. */
  method: string;
  /**
   * Answers 412 and 416 through the core (error_page, its built-in pages). For 416 the
   * Content-Range header is already set on res.
   */
  sendSpecialResponse(status: 412 | 416): void;
  /**
   * Receives the error-log messages nginx writes for this request, in nginx's words
   * ('open() "/srv/x" failed (2: No such file or directory)'); the core adds the "*N " prefix
   * and the ", client: …" context.
   */
  logError(level: LogLevel, message: string): void;
}

export type StaticOutcome =
  | 'served'            // a response was committed (200, 206, 304, 412, 416, HEAD…)
  | 'not_found'         // ENOENT / ENOTDIR / ENAMETOOLONG / not a regular file: 404
  | 'forbidden'         // EACCES (and ELOOP / EMLINK, as nginx): 403
  | 'directory'         // the path is a directory: the core redirects or serves its index
  | 'method_not_allowed' // not GET/HEAD/POST, or POST to an existing file: 405 (nginx's order)
  | 'internal_error';   // any other file system error: 500

/** A file that changes under every read is served as read after this many attempts. */
const MAX_ATTEMPTS = 3;

/**
 * `done` is called once the response is committed (for a streamed body: once its headers are
 * written), or with the outcome the core must answer; then nothing has been written.
 */
export function serveFile(ctx: StaticContext, done: (outcome: StaticOutcome) => void): void {
  serve(ctx, done, 1);
}

function serve(ctx: StaticContext, done: (outcome: StaticOutcome) => void, attempt: number): void {
  const method = ctx.method;
  // ngx_http_static_handler refuses other methods before looking at the file, but POST only
  // once it knows the file exists and is a regular file (so POST to a missing file is a 404).
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return done('method_not_allowed');
  const loc = ctx.loc;
  // open_file_cache here: what was looked up recently is trusted without a stat (nginx's
  // open_file_cache_valid). A retry (the file changed under a read) always looks again.
  const now = loc.openFileCache != null && attempt === 1 ? Date.now() : 0;
  /** The path's uses for open_file_cache_min_uses (0: open_file_cache is off). */
  let uses = 0;
  if (now !== 0) {
    const cached = openFileCache.trust(ctx.filePath, loc, now);
    if (typeof cached === 'number') uses = cached;
    else if (cached instanceof CachedError) return done(fileError(ctx, cached.error));
    else if (method === 'POST') return done('method_not_allowed');
    else return respond(ctx, cached, contentTypeFor(loc, ctx.uri), done, attempt);
  }
  let st: StatResult | undefined;
  try {
    st = statPath(ctx.filePath);
  } catch (err) {
    return done(lookupFailed(ctx, err as NodeJS.ErrnoException, now));
  }
  if (st === undefined) return done(lookupFailed(ctx, ENOENT, now));
  if (st.format !== S_IFREG) {
    if (st.format === S_IFDIR) return done('directory');
    ctx.logError('crit', `"${ctx.filePath}" is not a regular file`);
    return done('not_found');
  }
  if (method === 'POST') return done('method_not_allowed');

  const type = contentTypeFor(ctx.loc, ctx.uri);
  let entry = openFileCache.lookup(ctx.filePath, st);
  if (entry === undefined) {
    if (st.size <= openFileCache.limits.maxFileSize) return readSmallFile(ctx, type, done, attempt, uses);
    entry = new CachedFile(st, null);
    openFileCache.insert(ctx.filePath, entry);
  }
  if (uses !== 0) openFileCache.confirm(entry, now, uses);
  respond(ctx, entry, type, done, attempt);
}

/** A failed stat: remembered under open_file_cache_errors (`now` ≠ 0: open_file_cache is on). */
function lookupFailed(ctx: StaticContext, err: NodeJS.ErrnoException, now: number): StaticOutcome {
  if (now !== 0 && ctx.loc.openFileCacheErrors) openFileCache.rememberError(ctx.filePath, err, now);
  return fileError(ctx, err);
}

/** statPath's undefined answer stands for this error. */
const ENOENT = Object.assign(new Error('ENOENT'), { code: 'ENOENT', errno: -2 }) as NodeJS.ErrnoException;

/** ngx_http_static_handler's mapping of open() errors to statuses and log levels. */
function fileError(ctx: StaticContext, err: NodeJS.ErrnoException, syscall = 'open()'): StaticOutcome {
  let outcome: StaticOutcome;
  switch (err.code) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'ENAMETOOLONG':
      outcome = 'not_found';
      break;
    case 'EACCES':
    case 'ELOOP':
    case 'EMLINK':
      outcome = 'forbidden';
      break;
    default:
      outcome = 'internal_error';
  }
  ctx.logError(outcome === 'internal_error' ? 'crit' : 'error', `${syscall} "${ctx.filePath}" failed (${strerror(err)})`);
  return outcome;
}

function respond(
  ctx: StaticContext,
  entry: CachedFile,
  type: string,
  done: (outcome: StaticOutcome) => void,
  attempt: number,
): void {
  const { req, res } = ctx;
  const h = req.headers;
  const head = ctx.method === 'HEAD';
  const pre = evaluatePreconditions(h, entry);
  if (pre === Precondition.NotModified) {
    res.writeHead(304, entry.headers304);
    res.end();
    return done('served');
  }
  if (pre === Precondition.Failed) {
    ctx.sendSpecialResponse(412);
    return done('served');
  }

  const ranges = decideRanges(h, entry.size, entry);
  if (ranges === WHOLE) {
    const headers = entry.headersFor(type);
    if (entry.body !== null || head) {
      res.writeHead(200, headers);
      res.end(head ? undefined : entry.body);
      return done('served');
    }
    return streamFromDisk(ctx, entry, 200, headers, [{ prefix: null, start: 0, end: entry.size }], null, done, attempt);
  }
  if (ranges === UNSATISFIABLE) {
    res.setHeader('Content-Range', `bytes */${entry.size}`);
    ctx.sendSpecialResponse(416);
    return done('served');
  }
  if (ranges.length === 1) {
    const r = ranges[0];
    const headers = [
      'Content-Type', type,
      'Content-Length', String(r.end - r.start),
      'Last-Modified', entry.lastModified,
      'ETag', entry.etag,
      'Content-Range', `bytes ${r.start}-${r.end - 1}/${entry.size}`,
    ];
    if (entry.body !== null || head) {
      res.writeHead(206, headers);
      res.end(head ? undefined : entry.body!.subarray(r.start, r.end));
      return done('served');
    }
    return streamFromDisk(ctx, entry, 206, headers, [{ prefix: null, start: r.start, end: r.end }], null, done, attempt);
  }
  return respondMultipart(ctx, entry, type, ranges, head, done, attempt);
}

function respondMultipart(
  ctx: StaticContext,
  entry: CachedFile,
  type: string,
  ranges: ByteRange[],
  head: boolean,
  done: (outcome: StaticOutcome) => void,
  attempt: number,
): void {
  const { res } = ctx;
  const frame = multipartFrame(ranges, entry.size, type);
  const headers = [
    'Content-Type', frame.contentType,
    'Content-Length', String(frame.length),
    'Last-Modified', entry.lastModified,
    'ETag', entry.etag,
  ];
  if (entry.body !== null || head) {
    res.writeHead(206, headers);
    if (head) res.end();
    else {
      const parts: Buffer[] = [];
      for (let i = 0; i < ranges.length; i++) parts.push(frame.heads[i], entry.body!.subarray(ranges[i].start, ranges[i].end));
      parts.push(frame.tail);
      res.end(Buffer.concat(parts, frame.length));
    }
    return done('served');
  }
  const segments: Segment[] = ranges.map((r, i) => ({ prefix: frame.heads[i], start: r.start, end: r.end }));
  streamFromDisk(ctx, entry, 206, headers, segments, frame.tail, done, attempt);
}

/**
 * Opens the file and checks that what was opened is the version the headers describe (it may
 * have been replaced since the stat); if not, the request starts over with a fresh stat.
 */
function streamFromDisk(
  ctx: StaticContext,
  entry: CachedFile,
  status: number,
  headers: string[],
  segments: Segment[],
  tail: Buffer | null,
  done: (outcome: StaticOutcome) => void,
  attempt: number,
): void {
  fs.open(ctx.filePath, 'r', (openErr, fd) => {
    if (openErr !== null) return done(fileError(ctx, openErr));
    fs.fstat(fd, (statErr, st) => {
      if (statErr !== null || (!entry.matches(st) && attempt < MAX_ATTEMPTS)) {
        fs.close(fd, noop);
        if (statErr !== null) return done(fileError(ctx, statErr, 'fstat()'));
        return serve(ctx, done, attempt + 1);
      }
      ctx.res.writeHead(status, headers);
      new FileSender(fd, ctx.res, segments, tail).start();
      done('served');
    });
  });
}

/**
 * A cache miss on a small file: read it whole from one descriptor, with a stat before and after
 * so that a file rewritten during the read is never cached (and is read again). `uses`: the
 * path's uses under open_file_cache (0: off).
 */
function readSmallFile(
  ctx: StaticContext, type: string, done: (outcome: StaticOutcome) => void, attempt: number, uses: number,
): void {
  const readStart = Date.now();
  fs.open(ctx.filePath, 'r', (openErr, fd) => {
    if (openErr !== null) return done(fileError(ctx, openErr));
    fs.fstat(fd, (statErr, before) => {
      if (statErr !== null) {
        fs.close(fd, noop);
        return done(fileError(ctx, statErr, 'fstat()'));
      }
      if (!before.isFile() || before.size > openFileCache.limits.maxFileSize) {
        fs.close(fd, noop);
        return attempt < MAX_ATTEMPTS ? serve(ctx, done, attempt + 1) : done('not_found');
      }
      const body = Buffer.allocUnsafe(before.size);
      readFully(fd, body, 0, (readErr, length) => {
        fs.fstat(fd, (afterErr, after) => {
          fs.close(fd, noop);
          if (readErr !== null) return done(fileError(ctx, readErr, 'pread()'));
          const stable = afterErr === null && length === before.size && sameVersion(before, after);
          if (!stable && attempt < MAX_ATTEMPTS) return serve(ctx, done, attempt + 1);
          const entry = new CachedFile(stable ? before : { ...identity(after ?? before), size: length }, body.subarray(0, length));
          if (stable && openFileCache.settled(before, readStart)) {
            openFileCache.insert(ctx.filePath, entry);
            if (uses !== 0) openFileCache.confirm(entry, readStart, uses);
          }
          respond(ctx, entry, type, done, attempt);
        });
      });
    });
  });
}

function identity(st: FileIdentity): FileIdentity {
  return { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
}

function sameVersion(a: FileIdentity, b: FileIdentity): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

function readFully(fd: number, buf: Buffer, offset: number, cb: (err: NodeJS.ErrnoException | null, length: number) => void): void {
  if (offset >= buf.length) return cb(null, offset);
  fs.read(fd, buf, offset, buf.length - offset, offset, (err, n) => {
    if (err !== null) return cb(err, offset);
    if (n === 0) return cb(null, offset);
    readFully(fd, buf, offset + n, cb);
  });
}

function noop(): void {}
