// The proxy against real backends on 127.0.0.1, through the real worker HTTP runtime in the test
// process (test/proxy/helpers.ts front()); $upstream_* as the access log has them.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { request } from '../helpers/http-client.js';
import { freePort } from '../helpers/ngts.js';
import { RawClient } from '../helpers/raw.js';
import { waitFor } from '../helpers/wait.js';
import { backend, front, listen, namedBackend, onCleanup, track } from './helpers.js';

/** WebSocket proxying as nginx's documentation writes it (nginx.org/en/docs/http/websocket.html). */
const CONNECTION_UPGRADE_MAP = "map $http_upgrade $connection_upgrade { default upgrade; '' close; }";


test('weighted round robin through real backends: exact sequence', async () => {
  const [a, b, c] = await Promise.all([track(namedBackend()), track(namedBackend()), track(namedBackend())]);
  const f = await track(front(`http { upstream pool { server 127.0.0.1:${a.port} weight=5; server 127.0.0.1:${b.port}; server 127.0.0.1:${c.port}; }
    server { location / { proxy_pass http://pool; } } }`));
  const got: string[] = [];
  for (let i = 0; i < 7; i++) got.push((await request(f.port, '/')).body);
  const [A, B, C] = [a, b, c].map((x) => String(x.port));
  assert.deepEqual(got, [A, A, B, A, C, A, A]);
  const [first] = await f.logged(7);
  assert.equal(first.addr, `127.0.0.1:${a.port}`);
  assert.equal(first.statusText, '200');
});

test('proxy_pass URI rules', async () => {
  const echo = await track(backend((req, res) => res.end(req.url)));
  const f = await track(front(`http { server {
    location /app/ { proxy_pass http://127.0.0.1:${echo.port}/x/; }
    location /same/ { proxy_pass http://127.0.0.1:${echo.port}; }
    location = /exact { proxy_pass http://127.0.0.1:${echo.port}/other; }
    location /vars/ { proxy_pass http://127.0.0.1:${echo.port}/v$request_uri; }
  } }`));
  const cases: [string, string][] = [
    ['/app/foo?q=1', '/x/foo?q=1'],
    ['/app/', '/x/'],
    ['/app/a%20b', '/x/a%20b'],
    ['/same//double%2Fslash?x', '/same//double%2Fslash?x'],
    ['/exact?z=2', '/other?z=2'],
    ['/vars/a?b=1', '/v/vars/a?b=1'],
  ];
  for (const [sent, expected] of cases) assert.equal((await request(f.port, sent)).body, expected, sent);
});

test('request headers as nginx sends them', async () => {
  const seen = await track(backend((req, res) => res.end(JSON.stringify({ headers: req.headers, raw: req.rawHeaders }))));
  const f = await track(front(`http { server {
    location /default/ { proxy_pass http://127.0.0.1:${seen.port}; }
    location /set/ {
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header Host $host;
      proxy_set_header Accept-Encoding "";
      proxy_pass http://127.0.0.1:${seen.port};
    }
  } }`));
  const hdrs = { 'Accept-Encoding': 'gzip', 'Keep-Alive': 'timeout=5', TE: 'trailers', 'X-Custom': 'a', 'X-Forwarded-For': '10.9.9.9', Host: 'example.test:8080' };
  const d = JSON.parse((await request(f.port, '/default/', { headers: hdrs })).body);
  assert.equal(d.headers.host, `127.0.0.1:${seen.port}`, 'Host: $proxy_host');
  assert.equal(d.headers.connection, 'close');
  assert.equal(d.headers['keep-alive'], undefined, 'hop-by-hop Keep-Alive dropped');
  assert.equal(d.headers.te, undefined, 'TE dropped');
  assert.equal(d.headers['x-custom'], 'a');
  assert.equal(d.headers['accept-encoding'], 'gzip');
  const s = JSON.parse((await request(f.port, '/set/', { headers: hdrs })).body);
  assert.equal(s.headers.host, 'example.test');
  assert.equal(s.headers['x-real-ip'], '127.0.0.1');
  assert.equal(s.headers['x-forwarded-for'], '10.9.9.9, 127.0.0.1');
  assert.equal(s.headers['accept-encoding'], undefined, 'an empty value removes the header');
  // proxy_set_header comes first, in order, then the defaults, then the client's headers.
  assert.deepEqual(s.raw.filter((_: string, i: number) => i % 2 === 0).slice(0, 3), ['X-Real-IP', 'X-Forwarded-For', 'Host']);
});

test('response headers: hop-by-hop and hidden ones removed, proxy_pass_header, proxy_redirect', async () => {
  const up = await track(backend((req, res) => {
    res.setHeader('Server', 'backend/1');
    res.setHeader('X-Accel-Redirect', '/x');
    res.setHeader('X-Secret', 's');
    res.setHeader('Keep-Alive', 'timeout=3');
    res.setHeader('Set-Cookie', ['a=1', 'b=2']);
    if (req.url!.includes('redir')) {
      res.statusCode = 302;
      res.setHeader('Location', `http://127.0.0.1:${upPort()}/x/next`);
      res.setHeader('Refresh', `3; url=http://127.0.0.1:${upPort()}/x/r`);
    }
    res.end('ok');
  }));
  const upPort = () => up.port;
  const f = await track(front(`http { server {
    location /app/ { proxy_hide_header X-Secret; proxy_pass http://127.0.0.1:${up.port}/x/; }
    location /pass/ { proxy_pass_header Server; proxy_redirect off; proxy_pass http://127.0.0.1:${up.port}/x/; }
  } }`));
  const r = await request(f.port, '/app/redir');
  assert.equal(r.status, 302);
  // nginx's header filter makes a Location that proxy_redirect left as "/…" absolute (absolute_redirect on).
  assert.equal(r.headers.location, `http://127.0.0.1:${f.port}/app/next`, 'proxy_redirect default');
  assert.equal(r.headers.refresh, '3; url=/app/r');
  assert.equal(r.headers['x-secret'], undefined);
  assert.equal(r.headers['x-accel-redirect'], undefined);
  // The upstream's Server is hidden; the front's own goes instead (nginx 1.22: "Server: nginx/1.22.1").
  assert.match(String(r.headers.server), /^ngts\/\d/);
  assert.equal(r.headers['keep-alive'], undefined);
  assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2']);
  const p = await request(f.port, '/pass/redir');
  assert.equal(p.headers.server, 'backend/1');
  assert.equal(p.headers.location, `http://127.0.0.1:${up.port}/x/next`);
});

test('refused, hanging and 503 backends: 502, 504, next upstream, nginx\'s error log lines', async () => {
  const dead = await freePort();
  const hang = await track(backend(() => {}));
  const unavailable = await track(backend((req, res) => { res.statusCode = 503; res.end('busy'); }));
  const good = await track(namedBackend());
  const f = await track(front(`http { server {
    location /refused { proxy_pass http://127.0.0.1:${dead}; }
    location /hang { proxy_read_timeout 200ms; proxy_pass http://127.0.0.1:${hang.port}; }
    location /503 { proxy_pass http://127.0.0.1:${unavailable.port}; }
    location /failover { proxy_next_upstream error timeout http_503; proxy_read_timeout 200ms; proxy_pass http://pool; }
  }
  upstream pool { server 127.0.0.1:${dead}; server 127.0.0.1:${unavailable.port}; server 127.0.0.1:${hang.port}; server 127.0.0.1:${good.port}; } }`));
  const r = await request(f.port, '/refused', { headers: { Host: 'front.test' } });
  assert.equal(r.status, 502);
  assert.ok(f.errorLines().some((l) => l.includes(`[error]`) && l.includes(`connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: , request: "GET /refused HTTP/1.1", upstream: "http://127.0.0.1:${dead}/refused", host: "front.test"`)), f.errorLines().join('\n'));
  const h = await request(f.port, '/hang');
  assert.equal(h.status, 504);
  assert.ok(f.errorLines().some((l) => l.includes('upstream timed out (110: Connection timed out) while reading response header from upstream')));
  const u = await request(f.port, '/503');
  assert.equal(u.status, 503, 'a 503 is passed when http_503 is not in proxy_next_upstream');
  assert.equal(u.body, 'busy');
  const ok = await request(f.port, '/failover');
  assert.equal(ok.status, 200);
  assert.equal(ok.body, String(good.port));
  const last = await f.loggedFor('/failover');
  assert.equal(last.addr, [dead, unavailable.port, hang.port, good.port].map((p) => `127.0.0.1:${p}`).join(', '));
  assert.equal(last.statusText, '502, 503, 504, 200');
  assert.match(last.connectTime, /^-, \d+\.\d{3}, \d+\.\d{3}, \d+\.\d{3}$/);
});

test('backup serves only when the primaries fail; all down is "no live upstreams"', async () => {
  const dead = await freePort();
  const primary = await track(namedBackend());
  const spare = await track(namedBackend());
  const f = await track(front(`http { server { location / { proxy_pass http://pool; } location /none { proxy_pass http://none; } }
    upstream pool { server 127.0.0.1:${primary.port}; server 127.0.0.1:${spare.port} backup; }
    upstream none { server 127.0.0.1:${dead} down; server 127.0.0.1:${dead + 0} max_fails=1; } }`));
  for (let i = 0; i < 3; i++) assert.equal((await request(f.port, '/')).body, String(primary.port));
  await primary.close();
  for (let i = 0; i < 3; i++) assert.equal((await request(f.port, '/')).body, String(spare.port));
  assert.equal((await request(f.port, '/none')).status, 502);
  assert.equal((await request(f.port, '/none')).status, 502);
  assert.ok(f.errorLines().some((l) => l.includes('no live upstreams while connecting to upstream') && l.includes('upstream: "http://none/none"')), f.errorLines().join('\n'));
});

test('ip_hash: each source address sticks to one peer over 1,000 requests', async () => {
  const peers = await Promise.all([track(namedBackend()), track(namedBackend()), track(namedBackend())]);
  const f = await track(front(`http { upstream pool { ip_hash; ${peers.map((p) => `server 127.0.0.1:${p.port};`).join(' ')} }
    server { location / { proxy_pass http://pool; } } }`));
  const agent = (i: number) => new http.Agent({ keepAlive: true, localAddress: `127.0.${i}.1` } as http.AgentOptions);
  const agents = Array.from({ length: 10 }, (_, i) => agent(i + 1));
  const chosen = new Map<number, Set<string>>();
  for (let n = 0; n < 1000; n += 20) {
    await Promise.all(agents.map(async (a, i) => {
      for (const _ of [0, 1]) {
        const r = await request(f.port, '/', { agent: a });
        if (!chosen.has(i)) chosen.set(i, new Set());
        chosen.get(i)!.add(r.body);
      }
    }));
  }
  for (const a of agents) a.destroy();
  for (const [i, set] of chosen) assert.equal(set.size, 1, `client 127.0.${i + 1}.1 went to ${[...set]}`);
  assert.ok(new Set([...chosen.values()].map((s) => [...s][0])).size >= 2, 'different /24s spread over peers');
});

test('least_conn sends new requests to the peer with fewest in flight', async () => {
  const pending: http.ServerResponse[] = [];
  const slow = await track(backend((req, res) => { pending.push(res); }));
  const fast = await track(namedBackend());
  const f = await track(front(`http { upstream pool { least_conn; server 127.0.0.1:${slow.port}; server 127.0.0.1:${fast.port}; }
    server { location / { proxy_pass http://pool; } } }`));
  const first = request(f.port, '/');
  await waitFor(() => pending.length === 1, 'slow backend holding one request');
  for (let i = 0; i < 5; i++) assert.equal((await request(f.port, '/')).body, String(fast.port));
  pending[0].end('slow');
  assert.equal((await first).body, 'slow');
});

test('a backend killed during load: no client-visible error for GETs', async () => {
  const a = await track(namedBackend());
  const b = await track(namedBackend());
  const f = await track(front(`http { upstream pool { server 127.0.0.1:${a.port}; server 127.0.0.1:${b.port}; keepalive 8; }
    server { location / { proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://pool; } } }`));
  const statuses: number[] = [];
  let killed = false;
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let i = 0; i < 40; i++) {
      statuses.push((await request(f.port, '/')).status);
      if (statuses.length === 100 && !killed) {
        killed = true;
        await a.close();
      }
    }
  }));
  assert.equal(statuses.length, 320);
  assert.deepEqual(statuses.filter((s) => s !== 200), []);
});

test('1,000 aborted requests leave no upstream socket open', async () => {
  const hang = await track(backend(() => {}));
  const f = await track(front(`http { server { location / { proxy_pass http://127.0.0.1:${hang.port}; } } }`));
  for (let batch = 0; batch < 10; batch++) {
    const clients = Array.from({ length: 100 }, () => {
      const c = new RawClient(f.port);
      c.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      return c;
    });
    await waitFor(() => hang.seen.length >= (batch + 1) * 100, 'requests reaching the backend');
    for (const c of clients) c.destroy();
  }
  await waitFor(() => hang.openSockets() === 0, 'every upstream socket closed');
  const logged = await f.logged(1000);
  assert.equal(logged.length, 1000);
  assert.deepEqual(logged.filter((e) => e.status !== '499'), [], 'every request logged as closed by the client (499)');
});

test('chunked request bodies stream upstream', async () => {
  const echo = await track(backend((req, res) => { req.pipe(res); }));
  const f = await track(front(`http { server { location / { proxy_pass http://127.0.0.1:${echo.port}; } } }`));
  const body = await new Promise<string>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: f.port, method: 'POST', path: '/', agent: false, headers: { 'Transfer-Encoding': 'chunked' } }, (res) => {
      let out = '';
      res.on('data', (c) => (out += c));
      res.on('end', () => resolve(out));
    });
    req.on('error', reject);
    for (let i = 0; i < 100; i++) req.write('x'.repeat(1000));
    req.end('end');
  });
  assert.equal(body.length, 100_003);
  assert.equal(echo.seen[0].headers['transfer-encoding'], 'chunked');
});

test('WebSocket echo through the proxy, configured nginx\'s way', async () => {
  const wsServer = http.createServer();
  const wss = new WebSocketServer({ server: wsServer });
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo:${m}`)));
  const port = await listen(wsServer);
  onCleanup(() => new Promise((r) => { wss.close(); wsServer.closeAllConnections(); wsServer.close(() => r()); }));
  const f = await track(front(`http { ${CONNECTION_UPGRADE_MAP} server { location /ws {
    proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade;
    proxy_pass http://127.0.0.1:${port}; } } }`));
  const ws = new WebSocket(`ws://127.0.0.1:${f.port}/ws`);
  const reply = await new Promise<string>((resolve, reject) => {
    ws.on('open', () => ws.send('hello'));
    ws.on('message', (m) => resolve(String(m)));
    ws.on('error', reject);
  });
  assert.equal(reply, 'echo:hello');
  ws.close();
});

test('an idle WebSocket tunnel closes after proxy_read_timeout', async () => {
  const wsServer = http.createServer();
  const wss = new WebSocketServer({ server: wsServer });
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(String(m))));
  const port = await listen(wsServer);
  onCleanup(() => new Promise((r) => { wss.close(); wsServer.closeAllConnections(); wsServer.close(() => r()); }));
  const f = await track(front(`http { ${CONNECTION_UPGRADE_MAP} server { location / {
    proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade;
    proxy_read_timeout 1s; proxy_pass http://127.0.0.1:${port}; } } }`));
  const ws = new WebSocket(`ws://127.0.0.1:${f.port}/`);
  let closed = false;
  ws.on('close', () => (closed = true));
  await new Promise((r) => ws.on('open', r));
  // Traffic keeps it open past the timeout…
  const started = Date.now();
  while (Date.now() - started < 1500) {
    ws.send('ping');
    await new Promise((r) => ws.once('message', r));
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(closed, false);
  // …silence closes it.
  await waitFor(() => closed, 'the idle tunnel to close');
});

test('WebSocket to a dead backend: 502 and nginx\'s log line', async () => {
  const dead = await freePort();
  const f = await track(front(`http { ${CONNECTION_UPGRADE_MAP} server { location /ws {
    proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade;
    proxy_pass http://127.0.0.1:${dead}; } } }`));
  const ws = new WebSocket(`ws://127.0.0.1:${f.port}/ws`);
  const status = await new Promise<number>((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
  assert.equal(status, 502);
  assert.ok(f.errorLines().some((l) => l.includes(`connect() failed (111: Connection refused) while connecting to upstream`) && l.includes(`request: "GET /ws HTTP/1.1"`)));
  assert.equal((await f.loggedFor('/ws')).statusText, '502');
});

test('an Upgrade request to a location not configured for it goes as a plain request, as in nginx', async () => {
  const plain = await track(backend((req, res) => { res.statusCode = 426; res.end(`plain ${req.headers.upgrade ?? 'none'} ${req.headers.connection}`); }));
  const f = await track(front(`http { server { location / { proxy_pass http://127.0.0.1:${plain.port}; } } }`));
  const client = new RawClient(f.port);
  client.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  await client.ended;
  const response = client.text;
  assert.match(response, /^HTTP\/1\.1 426 Upgrade Required\r\n/);
  assert.match(response, /\r\nplain none close\r\n/);
});
