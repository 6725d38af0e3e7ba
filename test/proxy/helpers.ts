// Proxy tests' pieces: real node:http backends on 127.0.0.1, and a front that serves an nginx.conf
// with the real worker HTTP runtime in the test process (test/helpers/runtime.ts): the same
// phases, locations, variables and proxy module as a worker of bin/ngts, minus the master.
// The front logs every request's $upstream_* variables to an access log the tests read.
import http from 'node:http';
import type net from 'node:net';
import { after } from 'node:test';
import type { Config } from '../../src/config/types.js';
import { startRuntime, type RuntimeSite } from '../helpers/runtime.js';
import { waitFor } from '../helpers/wait.js';

export function listen(server: http.Server | net.Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port)));
}

export interface Backend {
  port: number;
  server: http.Server;
  /** Requests seen, in order. */
  seen: http.IncomingMessage[];
  /** Sockets currently open to this backend. */
  openSockets(): number;
  close(): Promise<void>;
}

export async function backend(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Backend> {
  const seen: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await listen(server);
  return {
    port, server, seen,
    openSockets: () => sockets.size,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** A backend that answers its own port number as the body. */
export function namedBackend(): Promise<Backend> {
  let port = 0;
  const p = backend((req, res) => {
    req.resume();
    res.end(String(port));
  });
  return p.then((b) => {
    port = b.port;
    return b;
  });
}

/** One access-log line of the front: a request's status and its $upstream_* variables. */
export interface UpstreamEntry {
  /** $status: 499 when the client closed the connection first. */
  status: string;
  /** $upstream_addr: every peer tried, or the upstream's name when none could be. */
  addr: string;
  /** $upstream_status */
  statusText: string;
  /** $upstream_connect_time */
  connectTime: string;
  /** $request_uri */
  uri: string;
}

const UPSTREAM_LOG = 'logs/upstream.log';
const UPSTREAM_FORMAT = `log_format ngts_test_upstream '$status|$upstream_addr|$upstream_status|$upstream_connect_time|$request_uri';
    access_log ${UPSTREAM_LOG} ngts_test_upstream;`;

export interface Front {
  port: number;
  config: Config;
  site: RuntimeSite;
  errorLines(): string[];
  /** Resolves with the front's access-log entries, in order, once there are at least `count`. */
  logged(count: number): Promise<UpstreamEntry[]>;
  /** Resolves with the access-log entry of the request for `uri` ($request_uri) once written. */
  loggedFor(uri: string): Promise<UpstreamEntry>;
  /** What a worker does when its generation is replaced: idle upstream connections close. */
  retire(): void;
  close(): Promise<void>;
}

/**
 * Serves `confText` (an `http { … }` block; `listen` may be left out) with the real runtime on a
 * port of its own. The error log is logs/error.log at info level, as nginx's tests read it.
 */
export async function front(confText: string): Promise<Front> {
  const at = confText.indexOf('http {');
  if (at < 0) throw new Error('front() needs an http { … } block');
  const withLog = `${confText.slice(0, at + 6)}\n    ${UPSTREAM_FORMAT}\n${confText.slice(at + 6)}`;
  const site = await startRuntime(`events {}\nerror_log logs/error.log info;\n${withLog}\n`);
  const entries = (): UpstreamEntry[] => site.lines(UPSTREAM_LOG).map((line) => {
    const [status, addr, statusText, connectTime, uri] = line.split('|');
    return { status, addr, statusText, connectTime, uri };
  });
  return {
    port: site.port(),
    config: site.config,
    site,
    errorLines: () => site.lines('logs/error.log'),
    logged: (count) => waitFor(() => {
      const list = entries();
      return list.length >= count && list;
    }, `${count} access-log lines`),
    loggedFor: (uri) => waitFor(() => entries().find((e) => e.uri === uri), `the access-log line of ${uri}`),
    retire: () => site.runtime.retire(),
    close: () => site.close(),
  };
}

// Servers a test file starts through track() are closed, newest first, when the file's tests end.
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

export function onCleanup(fn: () => Promise<void>): void {
  cleanups.push(fn);
}

export async function track<T extends { close(): Promise<void> }>(p: Promise<T>): Promise<T> {
  const v = await p;
  onCleanup(() => v.close());
  return v;
}
