// Unix-domain sockets to upstreams, through a real bin/ngts and a real node:http backend that
// listens on a socket in a temporary directory: `server unix:PATH` in an upstream block and
// `proxy_pass http://unix:PATH:/uri`. The expected values (Host header, $upstream_addr, $proxy_host,
// the error-log lines and their levels) are what Debian's nginx 1.22 does on the same config.
import { request as get } from '../helpers/http-client.js';
import { waitFor } from '../helpers/wait.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { freePort, Ngts } from '../helpers/ngts.js';
import { backend, type Backend } from './helpers.js';

interface SocketBackend {
  path: string;
  /** Requests seen: method, URL and headers. */
  seen: { url: string; headers: http.IncomingHttpHeaders }[];
  /** Connections accepted. */
  connections(): number;
  close(): Promise<void>;
}

/** A node:http server on a unix socket that answers "unix <url>", and WebSockets with an echo. */
async function socketBackend(socketPath: string): Promise<SocketBackend> {
  const seen: SocketBackend['seen'] = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url!, headers: req.headers });
    req.resume();
    req.on('end', () => res.end(`unix ${req.url}`));
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => {
    ws.send(`hello ${req.url}`);
    ws.on('message', (m) => ws.send(`echo ${String(m)}`));
  });
  server.keepAliveTimeout = 60_000;
  let connections = 0;
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  // Workers run as nobody when the tests run as root: connecting needs write permission.
  fs.chmodSync(socketPath, 0o666);
  return {
    path: socketPath, seen,
    connections: () => connections,
    close: () => new Promise((resolve) => {
      wss.close();
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

describe('unix-domain upstreams through bin/ngts', () => {
  let dir: string;
  let app: SocketBackend;
  let tcp: Backend;
  let missing: string;
  let ngts: Ngts;
  let port: number;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ngts-unix-'));
    fs.chmodSync(dir, 0o755);
    app = await socketBackend(path.join(dir, 'app.sock'));
    missing = path.join(dir, 'missing.sock');
    // A file that is not a listening socket: connect() is refused.
    fs.writeFileSync(path.join(dir, 'stale'), '', { mode: 0o666 });
    fs.chmodSync(path.join(dir, 'stale'), 0o666);
    tcp = await backend((req, res) => {
      req.resume();
      res.end(`tcp ${req.url}`);
    });
    port = await freePort();
    ngts = await Ngts.start({
      conf: `
        worker_processes 1;
        error_log logs/error.log info;
        events {}
        http {
          log_format up '$request_uri $status addr=[$upstream_addr] st=[$upstream_status] host=[$proxy_host]';
          access_log logs/access.log up;
          map $http_upgrade $connection_upgrade { default upgrade; '' close; }
          upstream app { server unix:${app.path} weight=2 max_fails=3 fail_timeout=5s; }
          upstream pooled { server unix:${app.path}; keepalive 4; }
          upstream failover { server unix:${missing}; server 127.0.0.1:${tcp.port}; }
          upstream deadonly { server unix:${missing}; }
          server {
            listen 127.0.0.1:${port};
            location /up/ { proxy_pass http://app; }
            location /direct/ { proxy_pass http://unix:${app.path}:/uri/; }
            location /plain/ { proxy_pass http://unix:${app.path}; }
            location /pooled/ { proxy_pass http://pooled; proxy_http_version 1.1; proxy_set_header Connection ""; }
            location /missing/ { proxy_pass http://unix:${missing}:/x/; }
            location /failover/ { proxy_pass http://failover; }
            location /deadonly/ { proxy_pass http://deadonly; }
            location /stale/ { proxy_pass http://unix:${dir}/stale; }
            location /ws/ {
              proxy_pass http://app;
              proxy_http_version 1.1;
              proxy_set_header Upgrade $http_upgrade;
              proxy_set_header Connection $connection_upgrade;
            }
          }
        }`,
    });
  });

  after(async () => {
    await ngts?.cleanup();
    await app?.close();
    await tcp?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function accessLine(uri: string): Promise<string> {
    return waitFor(() => ngts.logText(ngts.path('logs/access.log')).split('\n').find((l) => l.startsWith(uri + ' ')), `the access-log line for ${uri}`);
  }

  it('server unix:PATH in an upstream: the request reaches the socket, Host is the upstream name', async () => {
    const r = await get(port, '/up/a?q=1');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'unix /up/a?q=1');
    const seen = app.seen.find((s) => s.url === '/up/a?q=1')!;
    assert.equal(seen.headers.host, 'app');
    assert.equal(await accessLine('/up/a?q=1'), `/up/a?q=1 200 addr=[unix:${app.path}] st=[200] host=[app]`);
  });

  it('proxy_pass http://unix:PATH:/uri replaces the location prefix and sends Host: localhost', async () => {
    const r = await get(port, '/direct/y?q=1');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'unix /uri/y?q=1');
    assert.equal(app.seen.find((s) => s.url === '/uri/y?q=1')!.headers.host, 'localhost');
    assert.equal(await accessLine('/direct/y?q=1'), `/direct/y?q=1 200 addr=[unix:${app.path}] st=[200] host=[localhost]`);
  });

  it('proxy_pass http://unix:PATH (no URI part) passes the request URI as received', async () => {
    const r = await get(port, '/plain/z//w');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'unix /plain/z//w');
  });

  it('keepalive to a unix peer reuses one connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const before = app.connections();
      for (let i = 0; i < 3; i++) assert.equal((await get(port, `/pooled/${i}`, { agent })).body, `unix /pooled/${i}`);
      assert.equal(app.connections() - before, 1);
    } finally {
      agent.destroy();
    }
  });

  it('a WebSocket tunnel to a unix peer', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/chat`);
    const messages: string[] = [];
    ws.on('message', (m) => messages.push(String(m)));
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    ws.send('ping');
    await waitFor(() => messages.length >= 2 || undefined, 'two messages');
    assert.deepEqual(messages, ['hello /ws/chat', 'echo ping']);
    ws.close();
    await new Promise((resolve) => ws.once('close', resolve));
    assert.equal(await accessLine('/ws/chat'), `/ws/chat 101 addr=[unix:${app.path}] st=[101] host=[app]`);
  });

  it('a missing socket is 502 with nginx\'s [crit] connect() line', async () => {
    const mark = ngts.logMark();
    const r = await get(port, '/missing/q');
    assert.equal(r.status, 502);
    const line = await ngts.waitForLog('connect() to unix:', { after: mark });
    assert.match(line, /\[crit\] \d+#0: \*\d+ /);
    assert.ok(line.endsWith(`connect() to unix:${missing} failed (2: No such file or directory) while connecting to upstream, client: 127.0.0.1, server: , request: "GET /missing/q HTTP/1.1", upstream: "http://unix:${missing}:/x/q", host: "127.0.0.1:${port}"`), line);
    assert.equal(await accessLine('/missing/q'), `/missing/q 502 addr=[unix:${missing}] st=[502] host=[localhost]`);
  });

  it('a socket path nobody listens on is refused: 502, logged at [error] as nginx does', async () => {
    const mark = ngts.logMark();
    assert.equal((await get(port, '/stale/s')).status, 502);
    const line = await ngts.waitForLog(`connect() to unix:${dir}/stale failed`, { after: mark });
    assert.match(line, /\[error\] \d+#0: \*\d+ connect\(\) to unix:\S+ failed \(111: Connection refused\) while connecting to upstream, /);
    assert.ok(line.includes(`upstream: "http://unix:${dir}/stale:/stale/s"`), line);
  });

  it('a dead unix peer fails over to a live TCP peer, and is then skipped', async () => {
    const mark = ngts.logMark();
    const first = await get(port, '/failover/1');
    assert.equal(first.status, 200);
    assert.equal(first.body, 'tcp /failover/1');
    assert.equal(await accessLine('/failover/1'), `/failover/1 200 addr=[unix:${missing}, 127.0.0.1:${tcp.port}] st=[502, 200] host=[failover]`);
    const crit = await ngts.waitForLog(`connect() to unix:${missing} failed (2: No such file or directory)`, { after: mark });
    assert.match(crit, /\[crit\]/);
    const warn = await ngts.waitForLog('upstream server temporarily disabled', { after: mark });
    assert.ok(warn.includes(`[warn]`) && warn.includes(`upstream: "http://unix:${missing}:/failover/1"`), warn);
    // max_fails=1 (the default) took the unix peer out for fail_timeout: straight to TCP.
    const second = await get(port, '/failover/2');
    assert.equal(second.body, 'tcp /failover/2');
    assert.equal(await accessLine('/failover/2'), `/failover/2 200 addr=[127.0.0.1:${tcp.port}] st=[200] host=[failover]`);
  });

  it('an upstream whose only peer is a missing socket answers 502', async () => {
    const r = await get(port, '/deadonly/x');
    assert.equal(r.status, 502);
    assert.equal(await accessLine('/deadonly/x'), `/deadonly/x 502 addr=[unix:${missing}] st=[502] host=[deadonly]`);
  });
});

describe('health checks of unix-domain peers', () => {
  let dir: string;
  let app: SocketBackend;
  let ngts: Ngts;
  let port: number;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ngts-unix-check-'));
    fs.chmodSync(dir, 0o755);
    app = await socketBackend(path.join(dir, 'app.sock'));
    port = await freePort();
    ngts = await Ngts.start({
      conf: `
        worker_processes 1;
        error_log logs/error.log info;
        events {}
        http {
          log_format up '$request_uri addr=[$upstream_addr]';
          access_log logs/access.log up;
          upstream checked {
            server unix:${app.path};
            server unix:${dir}/missing.sock;
            check interval=100 rise=1 fall=1 timeout=1000 type=http default_down=false;
            check_http_send "GET /health HTTP/1.0\\r\\n\\r\\n";
          }
          server {
            listen 127.0.0.1:${port};
            location / { proxy_pass http://checked; }
            location = /status { check_status json; }
          }
        }`,
    });
  });

  after(async () => {
    await ngts?.cleanup();
    await app?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('probes go to the socket: the missing one goes down, the live one answers the checks', async () => {
    const down = await ngts.waitForLog(`peer unix:${dir}/missing.sock is down`);
    assert.ok(down.endsWith(`upstream "checked" peer unix:${dir}/missing.sock is down (1 failed checks: connect() failed (2: No such file or directory))`), down);
    await waitFor(() => app.seen.some((s) => s.url === '/health'), 'a probe on the live socket');
    const status = JSON.parse((await get(port, '/status')).body) as { servers: { server: { name: string; status: string; port: number }[] } };
    const byName = new Map(status.servers.server.map((s) => [s.name, s]));
    assert.equal(byName.get(`unix:${app.path}`)?.status, 'up');
    assert.equal(byName.get(`unix:${app.path}`)?.port, 0);
    assert.equal(byName.get(`unix:${dir}/missing.sock`)?.status, 'down');
    // The worker has the mark (it came before the status reply on the same channel): the
    // missing socket is not even tried.
    for (let i = 0; i < 4; i++) assert.equal((await get(port, `/r${i}`)).body, `unix /r${i}`);
    const line = await waitFor(() => ngts.logText(ngts.path('logs/access.log')).split('\n').find((l) => l.startsWith('/r3 ')), 'the access-log line for /r3');
    assert.equal(line, `/r3 addr=[unix:${app.path}]`);
    for (const l of ngts.logText(ngts.path('logs/access.log')).split('\n').filter((x) => x.startsWith('/r'))) assert.equal(l.split(' ')[1], `addr=[unix:${app.path}]`);
  });
});
