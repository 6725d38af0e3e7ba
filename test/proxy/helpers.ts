// Test harness for the proxy engine before it is wired into the HTTP core: loads a real
// nginx.conf with loadConfig, compiles the proxy locations, and serves them from a real node
// http server that calls ProxyHandler.handle/upgrade the way the core will (longest prefix
// location, variables evaluated by a small evaluator that knows what the tests use).
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import type { Config, LocationConf } from '../../src/config/types.js';
import { ErrorLog } from '../../src/log/error-log.js';
import { ProxyHandler, type ProxyOutcome, type ProxyPlan } from '../../src/proxy/handler.js';
import { proxyAddXForwardedFor } from '../../src/proxy/headers.js';
import { compileProxyLocation, proxyHost, resolveUpstream, type ProxyLocation } from '../../src/proxy/location.js';
import type { UpstreamLog } from '../../src/proxy/upstream-log.js';
import { Upstreams } from '../../src/proxy/upstreams.js';
import { parseProxyPass, upstreamUri } from '../../src/proxy/uri.js';

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

export interface Front {
  port: number;
  server: http.Server;
  config: Config;
  upstreams: Upstreams;
  errorLogPath: string;
  errorLines(): string[];
  /** Outcome and upstream variables of every finished request, in order. */
  results: { outcome: ProxyOutcome; log: UpstreamLog }[];
  close(): Promise<void>;
}

/** Starts a front server for the http block of `confText` (its `listen` is ignored: port 0). */
export async function front(confText: string): Promise<Front> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ngts-proxy-'));
  fs.mkdirSync(path.join(dir, 'logs'));
  fs.writeFileSync(path.join(dir, 'nginx.conf'), `events {}\nerror_log logs/error.log info;\n${confText}\n`);
  const { config } = loadConfig({ prefix: dir, confFile: 'nginx.conf' });
  const errorLogPath = path.join(dir, 'logs', 'error.log');
  const errorLog = new ErrorLog(config.main.errorLogs);
  const upstreams = new Upstreams(config.http!.upstreams);
  const proxy = new ProxyHandler(errorLog);
  const vhost = config.http!.servers[0];
  const locations = vhost.locations.map((l) => ({ conf: l, proxy: compileProxyLocation(l.loc, l, upstreams) }));
  const results: Front['results'] = [];

  const planFor = (req: http.IncomingMessage): ProxyPlan | undefined => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const uri = decodeURIComponent(rawPath);
    const args = q < 0 ? '' : url.slice(q + 1);
    const match = longestPrefix(locations, uri);
    if (match?.proxy === undefined) return undefined;
    const pl: ProxyLocation = match.proxy;
    const vars = (name: string): string => variable(name, req, pl, uri, args);
    let pass = pl.pass;
    let upstream = pl.upstream;
    if (pl.hasVariables) {
      pass = parseProxyPass(evaluate(pl.passTemplate, vars));
      if (pass === undefined) return undefined;
      upstream = resolveUpstream(pass, upstreams);
    }
    const ph = proxyHost(pass!);
    const withProxy = (name: string): string => (name === 'proxy_host' ? ph : vars(name));
    return {
      location: pl,
      pass: pass!,
      upstream: upstream!,
      uri: upstreamUri(pass!.uri, pl.hasVariables, pl.locationPrefix, { unparsed: url, uri, args }),
      headerValues: pl.setHeaders.map((h) => evaluate(h.value, withProxy)),
      hashKey: upstream!.hashKey !== undefined ? evaluate(upstream!.hashKey, withProxy) : '',
      serverName: vhost.serverNames[0] ?? '',
    };
  };

  const server = http.createServer((req, res) => {
    const plan = planFor(req);
    if (plan === undefined) {
      res.statusCode = 404;
      res.end();
      return;
    }
    proxy.handle(req, res, plan, (outcome, log) => {
      results.push({ outcome, log });
      if (outcome.kind === 'failed') {
        res.statusCode = outcome.status;
        res.end(`status ${outcome.status}`);
      }
    });
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const plan = planFor(req);
    if (plan === undefined) {
      socket.destroy();
      return;
    }
    proxy.upgrade(req, socket, head, plan, (outcome, log) => results.push({ outcome, log }));
  });
  const port = await listen(server);
  return {
    port, server, config, upstreams, errorLogPath, results,
    errorLines: () => (fs.existsSync(errorLogPath) ? fs.readFileSync(errorLogPath, 'utf8').split('\n').filter((l) => l !== '') : []),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => {
        upstreams.destroy();
        errorLog.close();
        fs.rmSync(dir, { recursive: true, force: true });
        resolve();
      });
    }),
  };
}

function longestPrefix(locations: { conf: LocationConf; proxy: ProxyLocation | undefined }[], uri: string) {
  let best: (typeof locations)[number] | undefined;
  for (const l of locations) {
    const p = l.conf.pattern;
    if (l.conf.modifier === '=' ? uri === p : uri.startsWith(p)) {
      if (l.conf.modifier === '=') return l;
      if (best === undefined || p.length > best.conf.pattern.length) best = l;
    }
  }
  return best;
}

function variable(name: string, req: http.IncomingMessage, pl: ProxyLocation, uri: string, args: string): string {
  if (name.startsWith('http_')) {
    const v = req.headers[name.slice(5).replace(/_/g, '-')];
    return Array.isArray(v) ? v.join(', ') : v ?? '';
  }
  if (name.startsWith('arg_')) return new URLSearchParams(args).get(name.slice(4)) ?? '';
  switch (name) {
    case 'host': return (req.headers.host ?? '').replace(/:\d+$/, '');
    case 'remote_addr': return req.socket.remoteAddress ?? '';
    case 'request_uri': return req.url ?? '/';
    case 'uri': return uri;
    case 'args': return args;
    case 'is_args': return args !== '' ? '?' : '';
    case 'proxy_add_x_forwarded_for': return proxyAddXForwardedFor(req);
    // map $http_upgrade $connection_upgrade { default upgrade; '' close; }
    case 'connection_upgrade': return req.headers.upgrade ? 'upgrade' : 'close';
    case 'proxy_host': return pl.pass ? proxyHost(pl.pass) : '';
    default: throw new Error(`test evaluator does not know $${name}`);
  }
}

function evaluate(template: string, vars: (name: string) => string): string {
  return template.replace(/\$(?:\{(\w+)\}|(\w+))/g, (_, a: string | undefined, b: string | undefined) => vars((a ?? b)!));
}

/** GET through the front; resolves with status, headers and body. */
export function get(port: number, pathName: string, options: http.RequestOptions = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathName, agent: false, ...options }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Resolves when `predicate` holds, polling (conditions, never fixed sleeps). */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
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

export { freePort } from '../helpers/ngts.js';
