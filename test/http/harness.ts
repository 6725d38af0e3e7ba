// Test harness for the HTTP core: a site directory with files, a config loaded by the real loader,
// createHttpRuntime's servers listening on 127.0.0.1 port 0, and clients (node's http and raw
// sockets). The `listen` ports in a config only group servers; each address gets a free port.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { createHttpRuntime, type HttpRuntime } from '../../src/http/runtime.js';
import type { AnyHttpModule } from '../../src/http/module.js';
import { ErrorLog } from '../../src/log/error-log.js';

export interface Site {
  dir: string;
  runtime: HttpRuntime;
  /** The real port of the server for a config listen key ("127.0.0.1:8080"); default: the first. */
  port(key?: string): number;
  get(target: string, opts?: RequestOptions): Promise<Reply>;
  raw(data: string | Buffer, opts?: RawOptions): Promise<RawReply>;
  read(file: string): string;
  draining: boolean;
  close(): Promise<void>;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  port?: number;
  body?: string;
}

export interface Reply {
  status: number;
  statusMessage: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: string;
}

export interface RawOptions {
  port?: number;
  /** Resolve once this holds for the bytes received so far (default: when the server closes). */
  until?: (text: string) => boolean;
}

export interface RawReply {
  text: string;
  /** True when the server closed the connection. */
  closed: boolean;
}

/** Files: relative path → content (a string), or null for a directory. */
/** `modules`: the runtime's module list (default: the worker's), for tests that add a module. */
export async function startSite(httpBlock: string, files: Record<string, string | null> = {}, modules?: readonly AnyHttpModule[]): Promise<Site> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ngts-http-'));
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(dir, rel);
    if (content === null) {
      fs.mkdirSync(full, { recursive: true });
    } else {
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, content);
    }
  }
  fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const conf = `events {}\nhttp {\n${httpBlock.replaceAll('{{dir}}', dir)}\n}\n`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const { config } = loadConfig({ prefix: dir, confFile: 'nginx.conf' });
  const errorLog = new ErrorLog([{ path: path.join(dir, 'logs/error.log'), level: 'info' }]);
  const site = {
    dir,
    draining: false,
  } as Site;
  const runtime = createHttpRuntime(config, { errorLog, isDraining: () => site.draining, modules });
  const ports = new Map<string, number>();
  for (const { listen, server } of runtime.servers) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ports.set(listen.key, (server.address() as net.AddressInfo).port);
  }
  const first = ports.values().next().value as number;
  site.runtime = runtime;
  site.port = (key?: string) => {
    if (key === undefined) return first;
    const p = ports.get(key);
    if (p === undefined) throw new Error(`no server for ${key}`);
    return p;
  };
  site.get = (target, opts = {}) => request(opts.port ?? first, target, opts);
  site.raw = (data, opts = {}) => rawExchange(opts.port ?? first, data, opts);
  site.read = (file) => {
    runtime.flush();
    const full = path.join(dir, file);
    return fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : '';
  };
  site.close = async () => {
    for (const { server } of runtime.servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    runtime.flush();
    errorLog.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return site;
}

const agent = new http.Agent({ keepAlive: false });

export function request(port: number, target: string, opts: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path: target, method: opts.method ?? 'GET', headers: opts.headers, agent,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({
        status: res.statusCode!,
        statusMessage: res.statusMessage ?? '',
        headers: res.headers,
        rawHeaders: res.rawHeaders,
        body: Buffer.concat(chunks).toString('utf8'),
      }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

export function rawExchange(port: number, data: string | Buffer, opts: RawOptions = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let settled = false;
    const finish = (closed: boolean) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve({ text, closed });
    };
    socket.on('connect', () => socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data));
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (opts.until?.(text)) finish(false);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET') finish(true);
      else reject(e);
    });
  });
}

/** The status line and headers of a raw response (the first one in `text`). */
export function parseHead(text: string): { statusLine: string; headers: Map<string, string>; body: string } {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = new Map<string, string>();
  for (const l of lines) {
    const c = l.indexOf(':');
    headers.set(l.slice(0, c).toLowerCase(), l.slice(c + 1).trim());
  }
  return { statusLine, headers, body: end < 0 ? '' : text.slice(end + 4) };
}

/** A complete response (head and Content-Length body) has arrived. */
export function hasFullResponse(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const m = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
  return text.length >= end + 4 + (m ? Number(m[1]) : 0);
}

/** Polls `check` until it returns true (conditions, never fixed sleeps). */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** nginx's built-in page with ngts's signature. */
export function builtinPage(title: string, h1 = title, signature = 'ngts/' + VERSION): string {
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${h1}</h1></center>\r\n`
    + `<hr><center>${signature}</center>\r\n</body>\r\n</html>\r\n`;
}

export const VERSION: string = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;
