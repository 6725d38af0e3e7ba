// A request whose URI ends in "/" and maps to a directory: nginx's index module (the first
// existing index file → internal redirect), then the autoindex module, else 403.
//
// This first version checks index files and gives a bare listing; the static module replaces
// the implementation behind the same interface (nginx's autoindex HTML, cached stats).
import fs from 'node:fs';
import path from 'node:path';
import type { StaticContext } from './static.js';

export interface DirectoryContext extends StaticContext {
  /** The normalized request URI, ending in "/". */
  uri: string;
}

export type DirectoryOutcome =
  | { kind: 'served' }
  | { kind: 'redirect'; uri: string }   // internal redirect to an index file
  | { kind: 'forbidden' }               // no index file and autoindex off (nginx: 403)
  | { kind: 'not_found' };              // the directory itself does not exist

export function serveDirectory(ctx: DirectoryContext, done: (outcome: DirectoryOutcome) => void): void {
  const indexes = ctx.loc.index;
  const tryIndex = (i: number): void => {
    if (i >= indexes.length) return listOrForbid(ctx, done);
    const name = indexes[i];
    const candidate = name.startsWith('/') ? null : path.join(ctx.filePath, name);
    if (candidate === null) return done({ kind: 'redirect', uri: name });
    fs.stat(candidate, (err) => (err ? tryIndex(i + 1) : done({ kind: 'redirect', uri: ctx.uri + name })));
  };
  tryIndex(0);
}

function listOrForbid(ctx: DirectoryContext, done: (outcome: DirectoryOutcome) => void): void {
  if (!ctx.loc.autoindex) return done({ kind: 'forbidden' });
  fs.readdir(ctx.filePath, (err, names) => {
    if (err) return done({ kind: err.code === 'ENOENT' ? 'not_found' : 'forbidden' });
    const body = names.sort().map((n) => `<a href="${encodeURIComponent(n)}">${n}</a>`).join('\n');
    ctx.res.setHeader('Content-Type', 'text/html');
    ctx.beforeHeaders(ctx.res, 200);
    ctx.res.end(body);
    done({ kind: 'served' });
  });
}
