// A real node:http server on 127.0.0.1:0 that hands requests to serveFile / serveDirectory the
// way the HTTP core does (URI → path under a temp root; "/" at the end → directory), answering
// the non-served outcomes with bare statuses (clients: test/helpers/http-client.ts).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { defaultLocConf } from '../../src/config/merge.js';
import type { MergedLocConf } from '../../src/config/types.js';
import { serveDirectory, type DirectoryOutcome } from '../../src/content/directory.js';
import { serveFile, type StaticOutcome } from '../../src/content/static.js';

/** 2026-11-25 09:00:00 UTC, the mtime given to fixture files. */
export const FIXED_MTIME = 1795597200;

export function makeTempRoot(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `ngts-${prefix}-`));
}

export function writeFixed(file: string, content: string | Buffer, mtime = FIXED_MTIME): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  fs.utimesSync(file, mtime, mtime);
}

export interface Site {
  port: number;
  root: string;
  server: http.Server;
  /** The last outcome reported by the static module, per request URL. */
  outcomes: Map<string, StaticOutcome | DirectoryOutcome>;
  /** Error-log messages the static module reported, as "[level] message". */
  logs: string[];
  close(): Promise<void>;
}

const STATUS_FOR: Record<string, number> = {
  not_found: 404,
  forbidden: 403,
  method_not_allowed: 405,
  internal_error: 500,
  // Not an nginx status: marks that serveDirectory asked for an internal redirect (X-Redirect).
  internal_redirect_seen: 299,
};

export async function startSite(root: string, locOverrides: Partial<MergedLocConf> = {}): Promise<Site> {
  const loc: MergedLocConf = { ...defaultLocConf('/nonexistent'), root: { path: root, alias: false }, ...locOverrides };
  const outcomes = new Map<string, StaticOutcome | DirectoryOutcome>();
  const logs: string[] = [];
  const logError = (level: string, message: string): void => {
    logs.push(`[${level}] ${message}`);
  };
  const beforeHeaders = (res: http.ServerResponse, status: number): void => {
    // Stands in for add_header: proves the hook runs with the status about to be written.
    res.setHeader('X-Before', String(status));
  };
  const answer = (res: http.ServerResponse, kind: string, location?: string): void => {
    const status = kind === 'directory' ? 301 : STATUS_FOR[kind];
    res.statusCode = status;
    res.setHeader('X-Outcome', kind);
    if (location !== undefined) res.setHeader('Location', location);
    res.end();
  };
  const server = http.createServer((req, res) => {
    const uri = decodeURIComponent((req.url ?? '/').split('?')[0]);
    const filePath = path.join(root, uri);
    const key = `${req.method} ${req.url}`;
    // Stands in for an error_page redirect, which gives the request another method (POST → GET).
    const method = req.headers['x-effective-method'] as string | undefined;
    if (uri.endsWith('/')) {
      serveDirectory({ req, res, filePath, loc, uri, method, beforeHeaders, logError }, (outcome) => {
        outcomes.set(key, outcome);
        if (outcome.kind === 'redirect') {
          res.setHeader('X-Redirect', encodeURI(outcome.uri));
          answer(res, 'internal_redirect_seen');
        } else if (outcome.kind !== 'served') answer(res, outcome.kind);
      });
      return;
    }
    serveFile({ req, res, filePath, loc, uri, method, beforeHeaders, logError }, (outcome) => {
      outcomes.set(key, outcome);
      if (outcome !== 'served') answer(res, outcome, outcome === 'directory' ? encodeURI(uri) + '/' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    root,
    server,
    outcomes,
    logs,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
