// Serving one file from disk, once the HTTP core has chosen the location and mapped the URI to
// a path that is known to lie under root/alias. The core handles what follows from the outcome
// (error_page, index, try_files, the 301 for a directory).
//
// This first version reads the whole file; the static module (conditionals, ranges, cache,
// ETag/Last-Modified, streaming) replaces the implementation behind the same interface.
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { MergedLocConf } from '../config/types.js';

export interface StaticContext {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  /** Absolute path on disk, already checked against traversal by the core. */
  filePath: string;
  loc: MergedLocConf;
  /** Called right before the status line is written, to add add_header / expires headers. */
  beforeHeaders(res: http.ServerResponse, status: number): void;
}

export type StaticOutcome =
  | 'served'            // a response was sent (200, 206, 304, 412, 416, HEAD…)
  | 'not_found'         // ENOENT / ENOTDIR: the core answers 404 (or tries the next try_files entry)
  | 'forbidden'         // EACCES: 403
  | 'directory'         // the path is a directory: the core redirects or serves its index
  | 'method_not_allowed'; // not GET/HEAD (POST to a static file is 405, as in nginx)

export function serveFile(ctx: StaticContext, done: (outcome: StaticOutcome) => void): void {
  const { req, res, filePath } = ctx;
  if (req.method !== 'GET' && req.method !== 'HEAD') return done('method_not_allowed');
  fs.stat(filePath, (err, st) => {
    if (err) return done(err.code === 'EACCES' ? 'forbidden' : 'not_found');
    if (st.isDirectory()) return done('directory');
    fs.readFile(filePath, (readErr, data) => {
      if (readErr) return done(readErr.code === 'EACCES' ? 'forbidden' : 'not_found');
      const ext = path.extname(filePath).slice(1).toLowerCase();
      const type = ctx.loc.types?.[ext] ?? ctx.loc.defaultType;
      res.setHeader('Content-Type', type);
      res.setHeader('Content-Length', data.length);
      ctx.beforeHeaders(res, 200);
      res.statusCode = 200;
      res.end(req.method === 'HEAD' ? undefined : data);
      done('served');
    });
  });
}
