// The proxy through a real bin/ngts process (master + one worker) in front of real node:http
// backends: balancing as observed at the backends, failover, URI and header rules, error_page
// for 502/504, WebSockets through `map`, the $upstream_* variables in the access log, 499, 413
// for chunked bodies, and a reload while requests flow.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { request, type Reply } from '../helpers/http-client.js';
import { freePort, Ngts } from '../helpers/ngts.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { waitFor } from '../helpers/wait.js';
import { backend, listen, type Backend } from './helpers.js';

/** A backend answering "<name> <url>" and echoing the request headers as JSON in X-Seen. */
async function named(name: string): Promise<Backend & { name: string }> {
  const b = await backend((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('X-Seen', JSON.stringify(req.headers));
      res.end(`${name} ${req.url}`);
    });
  });
  // Idle connections stay until ngts closes them (node's default closes them after 5 s).
  b.server.keepAliveTimeout = 60_000;
  return Object.assign(b, { name });
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  return freePort();
}

describe('proxy through bin/ngts', () => {
  let ngts: Ngts;
  let port: number;
  let a: Backend & { name: string };
  let b: Backend & { name: string };
  let c: Backend & { name: string };
  let spare: Backend & { name: string };
  let killable: Backend & { name: string };
  let killable2: Backend & { name: string };
  let hanging: Backend;
  let headers: Backend;
  let ordered: Backend;
  let wss: WebSocketServer;
  let wsServer: http.Server;
  let wsPort: number;
  let dead: number;

  before(async () => {
    [a, b, c, spare, killable, killable2] = await Promise.all(['a', 'b', 'c', 'spare', 'k1', 'k2'].map(named));
    hanging = await backend((req) => { req.resume(); });
    headers = await backend((req, res) => {
      req.resume();
      res.setHeader('X-Seen', JSON.stringify(req.headers));
      res.setHeader('Server', 'backend/1');
      res.setHeader('X-Pad', 'pad');
      res.setHeader('X-Accel-Expires', '10');
      res.setHeader('X-Secret', 'hidden');
      res.setHeader('X-Kept', 'kept');
      res.end('h');
    });
    // Response headers in a set order and case; /dup/ repeats a name with another in between.
    ordered = await backend((req, res) => {
      req.resume();
      const dup = req.url!.includes('/dup/') ? ['Set-Cookie', 'b=2'] : [];
      res.writeHead(200, ['content-type', 'text/plain', 'Set-Cookie', 'a=1', 'X-Mid', 'm', ...dup,
        'Last-Modified', 'Wed, 21 Oct 2015 07:28:00 GMT', 'Server', 'backend/1', 'Date', 'Wed, 21 Oct 2015 07:28:00 GMT',
        'Location', `http://127.0.0.1:${ordered.port}/next`, 'Content-Length', '2']);
      res.end('ok');
    });
    wsServer = http.createServer();
    wss = new WebSocketServer({ server: wsServer });
    wss.on('connection', (ws, req) => {
      ws.send(`hello ${req.url}`);
      ws.on('message', (m) => ws.send(`echo ${String(m)}`));
    });
    wsPort = await listen(wsServer);
    dead = await deadPort();
    port = await freePort();
    const peer = (x: Backend, extra = ''): string => `server 127.0.0.1:${x.port}${extra};`;
    ngts = await Ngts.start({
      conf: `
        worker_processes 1;
        error_log logs/error.log info;
        events {}
        http {
          log_format up '$request_uri $status addr=[$upstream_addr] st=[$upstream_status] rt=[$upstream_response_time] ct=[$upstream_connect_time] ht=[$upstream_header_time]';
          access_log logs/access.log up;
          map $http_upgrade $connection_upgrade { default upgrade; '' close; }
          map $arg_m $mapped { default dflt; abc exact; ~^re(.*)$ regex; ~*^CI ci; '' empty; }
          upstream weighted { ${peer(a, ' weight=5')} ${peer(b)} ${peer(c)} }
          upstream sticky { ip_hash; ${peer(a)} ${peer(b)} ${peer(c)} }
          upstream keyed { hash $arg_k; ${peer(a)} ${peer(b)} ${peer(c)} }
          upstream withbackup { server 127.0.0.1:${dead}; ${peer(spare, ' backup')} }
          upstream healthy { ${peer(a)} ${peer(spare, ' backup')} }
          upstream killing { ${peer(killable)} ${peer(killable2)} keepalive 8; }
          upstream failover { server 127.0.0.1:${dead}; ${peer(b)} }
          upstream b { ${peer(b)} }
          server {
            listen 127.0.0.1:${port};
            server_name wired.test;
            error_page 500 502 503 504 /50x.html;
            location = /50x.html { root html; }
            location /missing/ { root html; }
            location /rr/ { proxy_pass http://weighted; }
            location /sticky/ { proxy_pass http://sticky; }
            location /hash/ { proxy_pass http://keyed; }
            location /backup/ { proxy_pass http://withbackup; }
            location /healthy/ { proxy_pass http://healthy; }
            location /kill/ { proxy_pass http://killing; proxy_http_version 1.1; proxy_set_header Connection ""; }
            location /failover/ { proxy_pass http://failover; }
            location /dead/ { proxy_pass http://127.0.0.1:${dead}; }
            location /hang/ { proxy_pass http://127.0.0.1:${hanging.port}; proxy_read_timeout 300ms; }
            location /hold/ { proxy_pass http://127.0.0.1:${hanging.port}; }
            location /noerrpage/ { error_page 502 =503 /50x.html; proxy_pass http://127.0.0.1:${dead}; }
            location /rewrite/ { proxy_pass http://b/x/; }
            location = /exact { proxy_pass http://b/e; }
            location /asis/ { proxy_pass http://b; }
            location ~ ^/regex/(.*)$ { proxy_pass http://b; }
            location /var/ { proxy_pass http://$arg_to/v; }
            location /tf/ { try_files /nothing-here @app; }
            location @app { proxy_pass http://b; }
            location /redirected/ { error_page 404 = /asis/after-redirect; return 404; }
            location /map { return 200 "$mapped"; }
            location /headers/ {
              proxy_pass http://127.0.0.1:${headers.port};
              proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
              proxy_set_header X-Proxy "$proxy_host:$proxy_port";
              proxy_set_header X-Empty "";
              proxy_hide_header X-Secret;
              proxy_pass_header Server;
              add_header X-Added yes;
            }
            location /defaults/ { proxy_pass http://127.0.0.1:${headers.port}; }
            location /ordered/ { proxy_pass http://127.0.0.1:${ordered.port}/; }
            location /ordered-added/ { proxy_pass http://127.0.0.1:${ordered.port}/; add_header X-Added yes; }
            location /ws/ {
              proxy_pass http://127.0.0.1:${wsPort};
              proxy_http_version 1.1;
              proxy_set_header Upgrade $http_upgrade;
              proxy_set_header Connection $connection_upgrade;
            }
            location /upload/ { client_max_body_size 1k; proxy_pass http://b; }
          }
        }
      `,
      files: { 'html/50x.html': 'sorry page\n' },
    });
  });

  after(async () => {
    await ngts?.cleanup();
    for (const x of [a, b, c, spare, killable, killable2, hanging, headers, ordered]) await x?.close();
    wss?.close();
    wsServer?.close();
  });

  /** Access-log lines for `uri` (waits until `count` are there). */
  async function accessLines(uri: string, count = 1): Promise<string[]> {
    return waitFor(() => {
      const lines = ngts.logText(ngts.path('logs/access.log')).split('\n').filter((l) => l.startsWith(uri + ' '));
      return lines.length >= count ? lines : undefined;
    }, `${count} access-log lines for ${uri}`);
  }

  it('weighted round robin: weights 5,1,1 give a a b a c a a at the backends', async () => {
    const seq: string[] = [];
    for (let i = 0; i < 14; i++) seq.push((await request(port, `/rr/${i}`)).body.split(' ')[0]);
    assert.deepEqual(seq, ['a', 'a', 'b', 'a', 'c', 'a', 'a', 'a', 'a', 'b', 'a', 'c', 'a', 'a']);
  });

  it('ip_hash: each source network sticks to one backend; 127.0.0.x share one (three octets)', async () => {
    const bySource = new Map<string, Set<string>>();
    const sources = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => `127.0.${n}.1`).concat(['127.0.0.2', '127.0.0.3']);
    for (let round = 0; round < 5; round++) {
      for (const src of sources) {
        const reply = await request(port, '/sticky/', { localAddress: src });
        const set = bySource.get(src) ?? new Set();
        set.add(reply.body.split(' ')[0]);
        bySource.set(src, set);
      }
    }
    for (const [src, set] of bySource) assert.equal(set.size, 1, `${src} went to ${[...set]}`);
    assert.deepEqual(bySource.get('127.0.0.2'), bySource.get('127.0.0.3'));
    const used = new Set([...bySource.values()].map((s) => [...s][0]));
    assert.ok(used.size >= 2, `every network hashed to ${[...used]}`);
  });

  it('hash $arg_k: a key always reaches the same backend, keys spread', async () => {
    const seen = new Map<string, string>();
    for (let round = 0; round < 3; round++) {
      for (let k = 0; k < 12; k++) {
        const who = (await request(port, `/hash/?k=key${k}`)).body.split(' ')[0];
        if (seen.has(`key${k}`)) assert.equal(who, seen.get(`key${k}`));
        seen.set(`key${k}`, who);
      }
    }
    assert.ok(new Set(seen.values()).size >= 2);
  });

  it('backup: used when the primary fails, never while it works', async () => {
    const before = spare.seen.length;
    for (let i = 0; i < 5; i++) assert.equal((await request(port, '/healthy/')).body, 'a /healthy/');
    assert.equal(spare.seen.length, before);
    for (let i = 0; i < 3; i++) assert.equal((await request(port, '/backup/x')).body, 'spare /backup/x');
  });

  it('a backend killed during load: every GET still succeeds', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    let failures = 0;
    let done = 0;
    const worker = async (): Promise<void> => {
      while (done < 300) {
        done++;
        const r = await request(port, '/kill/', { agent }).catch(() => ({ status: 0, body: '' }));
        if (r.status !== 200) failures++;
      }
    };
    const load = Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(worker));
    await waitFor(() => killable.seen.length > 20 || undefined, 'requests at the first backend');
    await killable.close();
    await load;
    agent.destroy();
    assert.equal(failures, 0);
    assert.ok(killable2.seen.length > 100);
  });

  it('proxy_pass URI rules: prefix replaced, no URI part passes the URI as received, variables', async () => {
    assert.equal((await request(port, '/rewrite/a%20b/c?q=1')).body, 'b /x/a%20b/c?q=1');
    assert.equal((await request(port, '/exact?z')).body, 'b /e?z');
    // Without a URI part the request line's URI goes as is, not normalized.
    assert.equal((await request(port, '/asis//x/../y?%41')).body, 'b /asis//x/../y?%41');
    assert.equal((await request(port, '/regex/p%2Fq?r')).body, 'b /regex/p%2Fq?r');
    // A named location keeps the request line's URI (try_files … @app, the usual front setup);
    // an internal redirect sends the new, normalized one.
    assert.equal((await request(port, '/tf//a%2Fb?c=d')).body, 'b /tf//a%2Fb?c=d');
    assert.equal((await request(port, '/redirected/x?k')).body, 'b /asis/after-redirect');
    // With variables the evaluated URI is sent as written; an upstream name resolves too.
    assert.equal((await request(port, `/var/z?to=b`)).body, 'b /v');
    assert.equal((await request(port, `/var/z?to=127.0.0.1:${c.port}`)).body, 'c /v');
    const bad = await request(port, '/var/z?to=');
    assert.equal(bad.status, 500);
    // nginx 1.22's line for the evaluated "http:///v".
    await ngts.waitForLog('no host in upstream "/v"');
  });

  it('response headers reach the client in the upstream\'s order and case, after Server and Date', async () => {
    const raw = async (p: string): Promise<string[]> => (await request(port, p)).rawHeaders;
    const date = (list: string[]): string => list[list.indexOf('Date') + 1];
    // Location as proxy_redirect's default rewrites it, made absolute (nginx's header filter).
    const passed = (prefix: string): string[] => ['content-type', 'text/plain', 'Set-Cookie', 'a=1', 'X-Mid', 'm',
      'Last-Modified', 'Wed, 21 Oct 2015 07:28:00 GMT', 'Location', `http://127.0.0.1:${port}${prefix}next`, 'Content-Length', '2', 'Connection', 'close'];
    const plain = await raw('/ordered/x');
    assert.deepEqual(plain, ['Server', plain[1], 'Date', date(plain), ...passed('/ordered/')]);
    assert.match(plain[1], /^ngts/);
    assert.notEqual(date(plain), 'Wed, 21 Oct 2015 07:28:00 GMT');
    // add_header goes last.
    const added = await raw('/ordered-added/x');
    assert.deepEqual(added, ['Server', added[1], 'Date', date(added), ...passed('/ordered-added/').slice(0, -2), 'X-Added', 'yes', 'Connection', 'close']);
    // A repeated name is grouped at its first place (node's header store does that).
    const dup = await raw('/ordered/dup/x');
    assert.deepEqual(dup, ['Server', dup[1], 'Date', date(dup), 'content-type', 'text/plain', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2',
      'X-Mid', 'm', ...passed('/ordered/').slice(6)]);
  });

  it('request headers: Host $proxy_host, Connection close, X-Forwarded-For appended, empty value drops', async () => {
    const r = await request(port, '/headers/p', { headers: { 'X-Forwarded-For': '10.0.0.1', 'X-Empty': 'client', 'X-Client': 'yes' } });
    const seen = JSON.parse(r.headers['x-seen'] as string) as Record<string, string>;
    assert.equal(seen.host, `127.0.0.1:${headers.port}`);
    assert.equal(seen.connection, 'close');
    assert.equal(seen['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
    assert.equal(seen['x-proxy'], `127.0.0.1:${headers.port}:${headers.port}`);
    assert.equal(seen['x-empty'], undefined);
    assert.equal(seen['x-client'], 'yes');
    const named = JSON.parse((await request(port, '/rewrite/h')).headers['x-seen'] as string) as Record<string, string>;
    assert.equal(named.host, 'b');
    // proxy_set_header Connection "" with keepalive: node's client says keep-alive (nginx sends none).
    const kept = JSON.parse((await request(port, '/kill/h')).headers['x-seen'] as string) as Record<string, string>;
    assert.equal(kept.connection, 'keep-alive');
  });

  it('response headers: Date/Server/X-Pad/X-Accel-* hidden by default, proxy_hide_header, proxy_pass_header', async () => {
    const r = await request(port, '/headers/p');
    assert.equal(r.headers.server, 'backend/1');
    assert.equal(r.headers['x-secret'], undefined);
    assert.equal(r.headers['x-pad'], undefined);
    assert.equal(r.headers['x-accel-expires'], undefined);
    assert.equal(r.headers['x-kept'], 'kept');
    assert.equal(r.headers['x-added'], 'yes', 'add_header applies to proxied responses');
    const d = await request(port, '/defaults/p');
    assert.match(d.headers.server as string, /^ngts/);
    assert.equal(d.headers['x-secret'], 'hidden');
  });

  it('map: exact keys case-insensitively, regexes in order, default, empty', async () => {
    const cases: [string, string][] = [['abc', 'exact'], ['ABC', 'exact'], ['rex', 'regex'], ['REX', 'dflt'], ['cIx', 'ci'], ['', 'empty'], ['zzz', 'dflt']];
    for (const [m, want] of cases) assert.equal((await request(port, `/map?m=${m}`)).body, want, m);
    assert.equal((await request(port, '/map')).body, 'empty');
  });

  it('WebSocket echo through map $http_upgrade $connection_upgrade', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/chat`);
    const messages: string[] = [];
    ws.on('message', (m) => messages.push(String(m)));
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    ws.send('ping');
    await waitFor(() => messages.length >= 2 || undefined, 'two messages');
    assert.deepEqual(messages, ['hello /ws/chat', 'echo ping']);
    ws.close();
    await new Promise((resolve) => ws.once('close', resolve));
    const [line] = await accessLines('/ws/chat');
    assert.match(line, / 101 addr=\[127\.0\.0\.1:\d+\] st=\[101\]/);
  });

  it('a dead backend: 502 through error_page, nginx\'s error-log line with the connection number', async () => {
    const mark = ngts.logMark();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const missing = await request(port, '/missing/nothing', { agent });
    assert.equal(missing.status, 404);
    const r = await request(port, '/dead/x?y', { agent, headers: { Host: 'wired.test' } });
    agent.destroy();
    assert.equal(r.status, 502);
    assert.equal(r.body, 'sorry page\n');
    const openLine = await ngts.waitForLog('open() ', { after: mark });
    const conn = /\*(\d+) open\(\)/.exec(openLine)![1];
    const line = await ngts.waitForLog('connect() failed', { after: mark });
    assert.match(line, new RegExp(`\\[error\\] \\d+#0: \\*${conn} connect\\(\\) failed \\(111: Connection refused\\) while connecting to upstream, client: 127\\.0\\.0\\.1, server: wired\\.test, request: "GET /dead/x\\?y HTTP/1\\.1", upstream: "http://127\\.0\\.0\\.1:${dead}/dead/x\\?y", host: "wired\\.test"$`));
    // A single-peer upstream keeps no failure account: nginx never warns it is disabled.
    assert.doesNotMatch(ngts.logText().slice(mark), /temporarily disabled/);
    const again = await request(port, '/dead/x');
    assert.equal(again.status, 502);
    const [second] = await accessLines('/dead/x');
    assert.match(second, / 502 addr=\[127\.0\.0\.1:\d+\] st=\[502\] /);
    const changed = await request(port, '/noerrpage/');
    assert.equal(changed.status, 503);
    assert.equal(changed.body, 'sorry page\n');
  });

  it('a hanging backend: 504 through error_page after proxy_read_timeout', async () => {
    const mark = ngts.logMark();
    const r = await request(port, '/hang/');
    assert.equal(r.status, 504);
    assert.equal(r.body, 'sorry page\n');
    await ngts.waitForLog(/upstream timed out \(110: Connection timed out\) while reading response header from upstream, client: 127\.0\.0\.1, server: wired\.test, request: "GET \/hang\/ HTTP\/1\.1", upstream: "http:\/\/127\.0\.0\.1:\d+\/hang\/"/, { after: mark });
  });

  it('$upstream_* list every peer tried, comma-separated, as nginx', async () => {
    const r = await request(port, '/failover/t');
    assert.equal(r.body, 'b /failover/t');
    const [line] = await accessLines('/failover/t');
    assert.match(line, new RegExp(`^/failover/t 200 addr=\\[127\\.0\\.0\\.1:${dead}, 127\\.0\\.0\\.1:${b.port}\\] st=\\[502, 200\\] rt=\\[\\d+\\.\\d{3}, \\d+\\.\\d{3}\\] ct=\\[-, \\d+\\.\\d{3}\\] ht=\\[-, \\d+\\.\\d{3}\\]$`));
  });

  it('a client that goes away is logged 499', async () => {
    await new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/hang/abort', agent: false });
      req.on('error', () => resolve());
      waitFor(() => hanging.seen.some((s) => s.url === '/hang/abort') || undefined, 'the request upstream').then(() => req.destroy());
    });
    const [line] = await accessLines('/hang/abort');
    assert.match(line, /^\/hang\/abort 499 addr=\[127\.0\.0\.1:\d+\]/);
  });

  it('client_max_body_size applies to chunked bodies: 413 and nginx\'s log line', async () => {
    const mark = ngts.logMark();
    const small = await request(port, '/upload/s', { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, body: Buffer.alloc(500, 'x') });
    assert.equal(small.status, 200);
    const r = await request(port, '/upload/l', { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, body: Buffer.alloc(4000, 'x') }).catch((e: Error) => e);
    assert.ok(!(r instanceof Error), String(r));
    assert.equal((r as Reply).status, 413);
    await ngts.waitForLog(/client intended to send too large chunked body: \d+ bytes, client: 127\.0\.0\.1, server: wired\.test, request: "POST \/upload\/l HTTP\/1\.1"/, { after: mark });
    assert.ok(!b.seen.some((s) => s.url === '/upload/l'));
  });

  it('a reload under proxy load loses no request', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    let failures = 0;
    let stop = false;
    let count = 0;
    const worker = async (): Promise<void> => {
      while (!stop) {
        const r = await request(port, '/rr/load', { agent }).catch(() => ({ status: 0, body: '' }));
        count++;
        if (r.status !== 200) failures++;
      }
    };
    const load = Promise.all([1, 2, 3, 4].map(worker));
    await waitFor(() => count > 20 || undefined, 'load');
    await ngts.reload();
    const after = count;
    await waitFor(() => count > after + 20 || undefined, 'load after the reload');
    stop = true;
    await load;
    agent.destroy();
    assert.equal(failures, 0);
  });

  it('a reload retires the old generation\'s idle upstream keep-alive connections', async () => {
    assert.equal((await request(port, '/kill/')).body, 'k2 /kill/');
    assert.ok(killable2.openSockets() >= 1);
    // A request in flight keeps the old worker alive (draining) while its idle ones are retired.
    const held = http.get({ host: '127.0.0.1', port, path: '/hold/', agent: false });
    held.on('error', () => {});
    await waitFor(() => hanging.seen.some((r) => r.url === '/hold/') || undefined, 'the held request upstream');
    const oldWorkers = ngts.workerPids();
    await ngts.reload();
    await waitFor(() => killable2.openSockets() === 0 || undefined, 'the idle upstream connections to close');
    assert.ok(oldWorkers.some((pid) => ngts.workerPids().includes(pid)), 'the old worker is still draining');
    held.destroy();
  });
});

describe('the shipped conf/nginx.conf with a proxied location', () => {
  it('error_page 500 502 503 504 /50x.html answers for a dead backend', async () => {
    const shipped = fs.readFileSync(path.join(REPO_ROOT, 'conf', 'nginx.conf'), 'utf8');
    const port = await freePort();
    const dead = await freePort();
    const conf = shipped
      .replace('listen       127.0.0.1:8080;', `listen 127.0.0.1:${port};\n        location /app/ { proxy_pass http://127.0.0.1:${dead}; }`);
    assert.notEqual(conf, shipped);
    const ngts = await Ngts.start({
      conf,
      files: {
        'conf/mime.types': fs.readFileSync(path.join(REPO_ROOT, 'conf', 'mime.types')),
        'html/50x.html': fs.readFileSync(path.join(REPO_ROOT, 'html', '50x.html')),
      },
    });
    try {
      const r = await request(port, '/app/x');
      assert.equal(r.status, 502);
      assert.equal(r.body, fs.readFileSync(path.join(REPO_ROOT, 'html', '50x.html'), 'utf8'));
      assert.equal(r.headers['content-type'], 'text/html');
    } finally {
      await ngts.cleanup();
    }
  });
});



