// A request whose URI ends in "/" and maps to a directory: nginx's index module (the first
// existing index file → internal redirect) and autoindex module. Each is a content-phase
// handler of its own (src/http/modules/content.ts); when neither answers, the core's 403.
import fs from 'node:fs';
import { AutoindexError, listDirectory, renderAutoindex } from './autoindex.js';
import { strerror } from '../log/strerror.js';
import type { StaticContext } from './static.js';

/** The static module's context, for a URI that ends in "/". */
export type DirectoryContext = StaticContext;

export type DirectoryOutcome =
  | { kind: 'served' }
  | { kind: 'redirect'; uri: string }   // internal redirect to an index file
  | { kind: 'forbidden' }               // no index file and autoindex off (nginx: 403)
  | { kind: 'not_found' }               // the directory itself does not exist
  | { kind: 'method_not_allowed' }      // not GET/HEAD/POST: nginx's static handler answers 405
  | { kind: 'internal_error' };         // an unexpected file system error: 500

const SERVED: DirectoryOutcome = { kind: 'served' };
const FORBIDDEN: DirectoryOutcome = { kind: 'forbidden' };
const NOT_FOUND: DirectoryOutcome = { kind: 'not_found' };
const INTERNAL_ERROR: DirectoryOutcome = { kind: 'internal_error' };
const STAT_OPTIONS = { throwIfNoEntry: false } as const;
const AUTOINDEX_HEADERS = ['Content-Type', 'text/html'];

/**
 * ngx_http_index_handler's answer for a directory URI: an internal redirect to the first index
 * that applies, an error outcome, or null when no index applies (autoindex or 403 next).
 */
export function serveIndex(ctx: DirectoryContext): DirectoryOutcome | null {
  return findIndex(ctx);
}

/** ngx_http_autoindex_handler: the listing of the directory (GET and HEAD only, checked by the caller). */
export function serveAutoindex(ctx: DirectoryContext, done: (outcome: DirectoryOutcome) => void): void {
  const method = ctx.method;
  listDirectory(ctx.filePath).then(
    (entries) => {
      const body = renderAutoindex(ctx.uri, entries);
      // No Content-Length: nginx sends the listing chunked, and a HEAD gets the headers alone.
      ctx.res.writeHead(200, AUTOINDEX_HEADERS);
      ctx.res.end(method === 'HEAD' ? undefined : body);
      done(SERVED);
    },
    (err: unknown) => {
      if (!(err instanceof AutoindexError)) {
        ctx.logError('crit', `autoindex of "${ctx.filePath}" failed: ${String(err)}`);
        return done(INTERNAL_ERROR);
      }
      ctx.logError(err.level, err.message);
      done(err.code === 'not_found' ? NOT_FOUND : err.code === 'forbidden' ? FORBIDDEN : INTERNAL_ERROR);
    },
  );
}

/**
 * ngx_http_index_handler: the index names in order; an absolute name is an internal redirect
 * without any test; a relative one that exists (file or directory) redirects to uri + name. The
 * first missing index makes nginx check the directory itself, so a missing directory is a 404
 * rather than a 403. null: no index applies (autoindex or 403 next).
 */
function findIndex(ctx: DirectoryContext): DirectoryOutcome | null {
  const dir = ctx.filePath.endsWith('/') ? ctx.filePath : ctx.filePath + '/';
  let dirTested = false;
  for (const name of ctx.loc.index) {
    if (name.startsWith('/')) return { kind: 'redirect', uri: name };
    const file = dir + name;
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(file, STAT_OPTIONS);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EACCES' || e.code === 'ENOTDIR' || e.code === 'ENAMETOOLONG') return indexError(ctx, file, e);
      ctx.logError('crit', `open() "${file}" failed (${strerror(e)})`);
      return INTERNAL_ERROR;
    }
    if (st !== undefined) return { kind: 'redirect', uri: ctx.uri + name };
    if (!dirTested) {
      dirTested = true;
      const problem = testDirectory(ctx, file);
      if (problem !== null) return problem;
    }
  }
  return null;
}

/** ngx_http_index_error: 403 for EACCES, else 404; the message names the index file. */
function indexError(ctx: DirectoryContext, file: string, err: NodeJS.ErrnoException): DirectoryOutcome {
  const forbidden = err.code === 'EACCES';
  ctx.logError('error', `"${file}" is ${forbidden ? 'forbidden' : 'not found'} (${strerror(err)})`);
  return forbidden ? FORBIDDEN : NOT_FOUND;
}

/**
 * ngx_http_index_test_dir, after the first missing index: is the directory itself there? nginx
 * reports its errors under the index file's name (it restores the name before logging).
 */
function testDirectory(ctx: DirectoryContext, indexFile: string): DirectoryOutcome | null {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(ctx.filePath, STAT_OPTIONS);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EACCES' || e.code === 'ENOTDIR' || e.code === 'ENAMETOOLONG') return indexError(ctx, indexFile, e);
    ctx.logError('crit', `open() "${ctx.filePath}" failed (${strerror(e)})`);
    return INTERNAL_ERROR;
  }
  if (st === undefined) return indexError(ctx, indexFile, NO_ENTRY);
  if (!st.isDirectory()) {
    ctx.logError('alert', `"${ctx.filePath}" is not a directory`);
    return INTERNAL_ERROR;
  }
  return null;
}

const NO_ENTRY = Object.assign(new Error('ENOENT'), { code: 'ENOENT', errno: -2 }) as NodeJS.ErrnoException;
