// A request whose URI ends in "/" and maps to a directory: nginx's index module (the first
// existing index file → internal redirect), then the autoindex module, else 403.
import fs from 'node:fs';
import { AutoindexError, listDirectory, renderAutoindex } from './autoindex.js';
import type { StaticContext } from './static.js';

export interface DirectoryContext extends StaticContext {
  /** The normalized request URI, ending in "/". */
  uri: string;
}

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
const NOT_ALLOWED: DirectoryOutcome = { kind: 'method_not_allowed' };
const INTERNAL_ERROR: DirectoryOutcome = { kind: 'internal_error' };
const STAT_OPTIONS = { throwIfNoEntry: false } as const;
const AUTOINDEX_HEADERS = ['Content-Type', 'text/html'];

export function serveDirectory(ctx: DirectoryContext, done: (outcome: DirectoryOutcome) => void): void {
  const method = ctx.method ?? ctx.req.method;
  // nginx's static handler refuses other methods first; index accepts POST, autoindex does not.
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return done(NOT_ALLOWED);
  const found = findIndex(ctx);
  if (found !== null) return done(found);
  if (method === 'POST' || !ctx.loc.autoindex) return done(FORBIDDEN);
  listDirectory(ctx.filePath).then(
    (entries) => {
      const body = renderAutoindex(ctx.uri, entries);
      ctx.beforeHeaders(ctx.res, 200);
      // No Content-Length: nginx sends the listing chunked, and a HEAD gets the headers alone.
      ctx.res.writeHead(200, AUTOINDEX_HEADERS);
      ctx.res.end(method === 'HEAD' ? undefined : body);
      done(SERVED);
    },
    (err: unknown) => {
      if (err instanceof AutoindexError) done(err.code === 'not_found' ? NOT_FOUND : err.code === 'forbidden' ? FORBIDDEN : INTERNAL_ERROR);
      else done(INTERNAL_ERROR);
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
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(dir + name, STAT_OPTIONS);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES') return FORBIDDEN;
      if (code === 'ENOTDIR' || code === 'ENAMETOOLONG') return NOT_FOUND;
      return INTERNAL_ERROR;
    }
    if (st !== undefined) return { kind: 'redirect', uri: ctx.uri + name };
    if (!dirTested) {
      dirTested = true;
      const problem = testDirectory(ctx.filePath);
      if (problem !== null) return problem;
    }
  }
  return null;
}

function testDirectory(dirPath: string): DirectoryOutcome | null {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(dirPath, STAT_OPTIONS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES') return FORBIDDEN;
    return code === 'ENOTDIR' || code === 'ENAMETOOLONG' ? NOT_FOUND : INTERNAL_ERROR;
  }
  if (st === undefined || !st.isDirectory()) return NOT_FOUND;
  return null;
}
