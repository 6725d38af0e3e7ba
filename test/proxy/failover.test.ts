// Failures of real backends (reset, premature close, invalid header), passive health
// (max_fails), non-idempotent requests, proxy_next_upstream_tries, upstream keepalive reuse,
// backpressure, and HTTPS upstreams with SNI. Log lines are nginx 1.22's, as it printed them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type tls from 'node:tls';
import { test } from 'node:test';
import { request } from '../helpers/http-client.js';
import { freePort } from '../helpers/ngts.js';
import { RawClient, rawServer } from '../helpers/raw.js';
import { waitFor } from '../helpers/wait.js';
import { backend, front, listen, namedBackend, onCleanup, track } from './helpers.js';

/** A raw TCP backend: `answer` gets the socket once a request head arrived. */
async function rawBackend(answer: (s: net.Socket) => void): Promise<{ port: number }> {
  const server = await rawServer((s) => {
    let buf = '';
    s.on('data', (d) => {
      buf += d;
      if (buf.includes('\r\n\r\n')) answer(s);
    });
  });
  onCleanup(server.close);
  return server;
}

test('reset, premature close and invalid header: 502 with nginx\'s log lines', async () => {
  const reset = await rawBackend((s) => s.resetAndDestroy());
  const closes = await rawBackend((s) => s.end());
  const bad = await rawBackend((s) => s.end('HTTP/1.1 200 OK\r\nBad Header\r\n\r\n'));
  const f = await track(front(`http { server {
    location /reset { proxy_pass http://127.0.0.1:${reset.port}; }
    location /close { proxy_pass http://127.0.0.1:${closes.port}; }
    location /bad { proxy_pass http://127.0.0.1:${bad.port}; }
  } }`));
  for (const p of ['/reset', '/close', '/bad']) assert.equal((await request(f.port, p)).status, 502, p);
  const lines = f.errorLines();
  const has = (text: string) => assert.ok(lines.some((l) => l.includes(text)), `${text}\n${lines.join('\n')}`);
  has(`recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 127.0.0.1, server: , request: "GET /reset HTTP/1.1", upstream: "http://127.0.0.1:${reset.port}/reset", host: "127.0.0.1:${f.port}"`);
  has(`upstream prematurely closed connection while reading response header from upstream, client: 127.0.0.1, server: , request: "GET /close HTTP/1.1", upstream: "http://127.0.0.1:${closes.port}/close"`);
  has('upstream sent invalid header');
  assert.equal((await f.logged(3)).map((e) => e.statusText).join('|'), '502|502|502');
});

test('max_fails: a failing peer is skipped for fail_timeout, with nginx\'s warning', async () => {
  const dead = await freePort();
  const good = await track(namedBackend());
  const f = await track(front(`http { upstream pool { server 127.0.0.1:${dead} max_fails=1 fail_timeout=30s; server 127.0.0.1:${good.port}; }
    server { location / { proxy_pass http://pool; } } }`));
  const first = await request(f.port, '/x');
  assert.equal(first.body, String(good.port));
  const [logged] = await f.logged(1);
  assert.equal(logged.addr, `127.0.0.1:${dead}, 127.0.0.1:${good.port}`);
  assert.equal(logged.connectTime.split(', ')[0], '-');
  assert.ok(f.errorLines().some((l) => l.includes('[warn]') && l.includes(`upstream server temporarily disabled while connecting to upstream, client: 127.0.0.1, server: , request: "GET /x HTTP/1.1", upstream: "http://127.0.0.1:${dead}/x"`)), f.errorLines().join('\n'));
  for (let i = 0; i < 5; i++) await request(f.port, '/x');
  assert.deepEqual((await f.logged(6)).slice(1).map((e) => e.addr), Array(5).fill(`127.0.0.1:${good.port}`), 'the dead peer is not tried again within fail_timeout');
});

test('non-idempotent requests are not passed on once sent, unless non_idempotent', async () => {
  const busy = await track(backend((req, res) => { req.resume(); res.statusCode = 503; res.end('busy'); }));
  const good = await track(namedBackend());
  const f = await track(front(`http { upstream pool { server 127.0.0.1:${busy.port}; server 127.0.0.1:${good.port}; }
    upstream pool2 { server 127.0.0.1:${busy.port}; server 127.0.0.1:${good.port}; }
    server {
      location /strict { proxy_next_upstream error http_503; proxy_pass http://pool; }
      location /lenient { proxy_next_upstream error http_503 non_idempotent; proxy_pass http://pool2; }
    } }`));
  const post = async (path: string): Promise<{ status: number; body: string }> => {
    const r = await request(f.port, path, { method: 'POST', body: 'data' });
    return { status: r.status, body: r.body };
  };
  // Round robin starts at the busy peer for both upstreams.
  assert.deepEqual(await post('/strict'), { status: 503, body: 'busy' });
  assert.deepEqual(await post('/lenient'), { status: 200, body: String(good.port) });
  // A GET goes on to the next peer.
  assert.equal((await request(f.port, '/strict')).status, 200);
});

test('proxy_next_upstream_tries limits the peers tried', async () => {
  const dead = [await freePort(), await freePort(), await freePort()];
  const good = await track(namedBackend());
  const f = await track(front(`http { upstream pool { ${dead.map((p) => `server 127.0.0.1:${p} max_fails=0;`).join(' ')} server 127.0.0.1:${good.port}; }
    server { location / { proxy_next_upstream_tries 2; proxy_pass http://pool; } } }`));
  const r = await request(f.port, '/');
  assert.equal(r.status, 502);
  assert.equal((await f.logged(1))[0].addr.split(', ').length, 2);
});

test('keepalive: one upstream connection serves sequential requests', async () => {
  let connections = 0;
  const b = await track(backend((req, res) => res.end('ok')));
  b.server.on('connection', () => connections++);
  const f = await track(front(`http { upstream pool { server 127.0.0.1:${b.port}; keepalive 4; }
    server {
      location /ka { proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://pool; }
      location /close { proxy_pass http://pool; }
    } }`));
  for (let i = 0; i < 20; i++) assert.equal((await request(f.port, '/ka')).body, 'ok');
  assert.equal(connections, 1);
  for (let i = 0; i < 3; i++) await request(f.port, '/close');
  // The first reuses the idle connection (as nginx takes a cached one), and closes it; then one
  // connection per request, since Connection: close (the default) ends each.
  assert.equal(connections, 3);
});

test('a slow client holds the upstream back (backpressure), memory does not fill', async () => {
  let written = 0;
  let blocked = false;
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const b = await track(backend((req, res) => {
    const pump = () => {
      while (written < 512 * 1024 * 1024) {
        written += chunk.length;
        if (!res.write(chunk)) {
          blocked = true;
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  }));
  const f = await track(front(`http { server { location / { proxy_read_timeout 100ms; proxy_pass http://127.0.0.1:${b.port}; } } }`));
  const client = new RawClient(f.port, { countOnly: true });
  client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  client.socket.pause();
  await waitFor(() => blocked, 'the backend to see backpressure');
  // Wait until the backend stops writing (the buffers of both hops are full), then check that
  // what it wrote is bounded by socket buffers, nowhere near the 512 MiB it wanted to send.
  let last = -1;
  let still = 0;
  await waitFor(() => {
    still = written === last ? still + 1 : 0;
    last = written;
    return still >= 30;
  }, 'the backend to stop writing', 20_000);
  assert.ok(written < 64 * 1024 * 1024, `backend wrote ${written} bytes to a client reading nothing`);
  // Waiting on the client is not an upstream read timeout.
  assert.ok(!f.errorLines().some((l) => l.includes('timed out')), f.errorLines().join('\n'));
  client.destroy();
});

test('https upstream: SNI sent with proxy_ssl_server_name on, proxy_ssl_name overrides', async () => {
  const dir = new URL('../../../test/proxy/fixtures/', import.meta.url);
  const names: (string | false)[] = [];
  const server = https.createServer({ key: fs.readFileSync(new URL('backend.key', dir)), cert: fs.readFileSync(new URL('backend.crt', dir)) }, (req, res) => {
    names.push((req.socket as tls.TLSSocket).servername ?? false);
    res.end(`tls ${req.headers.host}`);
  });
  const port = await listen(server);
  onCleanup(() => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const f = await track(front(`http { server {
    location /plain { proxy_pass https://localhost:${port}; }
    location /sni { proxy_ssl_server_name on; proxy_pass https://localhost:${port}; }
    location /name { proxy_ssl_server_name on; proxy_ssl_name backend.test; proxy_pass https://localhost:${port}; }
  } }`));
  assert.equal((await request(f.port, '/plain')).body, `tls localhost:${port}`);
  assert.equal((await request(f.port, '/sni')).body, `tls localhost:${port}`);
  assert.equal((await request(f.port, '/name')).status, 200);
  assert.deepEqual(names, [false, 'localhost', 'backend.test']);
});

test('a reload retires the old generation: requests in flight finish, idle connections close', async () => {
  const held: http.ServerResponse[] = [];
  const b = await track(backend((req, res) => {
    if (req.url === '/slow') held.push(res);
    else res.end('ok');
  }));
  const f = await track(front(`http { upstream pool { server 127.0.0.1:${b.port}; keepalive 4; }
    server { location / { proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://pool; } } }`));
  const slow = request(f.port, '/slow');
  await waitFor(() => held.length === 1, 'the slow request at the backend');
  await request(f.port, '/');
  assert.equal(b.openSockets(), 2, 'one busy connection, one idle');
  f.retire();
  await waitFor(() => b.openSockets() === 1, 'the idle connection closed');
  held[0].end('done');
  assert.equal((await slow).body, 'done');
  await waitFor(() => b.openSockets() === 0, 'the busy connection closed after its request');
});

test('an idle keep-alive connection the upstream dropped is retried on a new one, even with one peer', async () => {
  // Answers the first request of each connection, then drops the connection at the next one
  // without a word (the race of a keepalive_timeout on the upstream's side).
  const flaky = await rawBackend((s) => {
    const served = (s as net.Socket & { served?: boolean });
    if (served.served) {
      s.destroy();
      return;
    }
    served.served = true;
    s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const f = await track(front(`http { upstream one { server 127.0.0.1:${flaky.port}; keepalive 2; }
    server { location / { proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://one; } } }`));
  for (let i = 0; i < 3; i++) {
    const r = await request(f.port, '/');
    assert.equal(r.status, 200, `request ${i}`);
    assert.equal(r.body, 'ok');
  }
  const retried = (await f.logged(3))[1];
  assert.equal(retried.addr, `127.0.0.1:${flaky.port}, 127.0.0.1:${flaky.port}`);
  assert.equal(retried.statusText, '502, 200');
});

test('an upstream that does not read holds a large upload back (backpressure), memory does not fill', async () => {
  const stuck = await track(backend((req) => { req.pause(); }));
  const f = await track(front(`http { server { location / { proxy_pass http://127.0.0.1:${stuck.port}; } } }`));
  const req = http.request({ host: '127.0.0.1', port: f.port, method: 'PUT', path: '/', agent: false, headers: { 'Transfer-Encoding': 'chunked' } });
  req.on('error', () => {});
  const chunk = Buffer.alloc(64 * 1024, 'u');
  let sent = 0;
  let waiting = false;
  const pump = () => {
    waiting = false;
    while (sent < 512 * 1024 * 1024) {
      sent += chunk.length;
      if (!req.write(chunk)) {
        waiting = true;
        req.once('drain', pump);
        return;
      }
    }
  };
  pump();
  await waitFor(() => stuck.seen.length === 1, 'the upload to reach the backend');
  let last = -1;
  let still = 0;
  await waitFor(() => {
    still = waiting && sent === last ? still + 1 : 0;
    last = sent;
    return still >= 30;
  }, 'the client to be held back', 20_000);
  assert.ok(sent < 64 * 1024 * 1024, `the client could send ${sent} bytes to an upstream reading nothing`);
  req.destroy();
});

test('every peer failing: 502 after trying each, then "no live upstreams" for fail_timeout (as nginx 1.22 logs it)', async () => {
  const [a, b] = [await freePort(), await freePort()];
  const f = await track(front(`http { upstream two { server 127.0.0.1:${a}; server 127.0.0.1:${b}; }
    server { location / { proxy_pass http://two; } } }`));
  for (let i = 0; i < 3; i++) assert.equal((await request(f.port, '/x')).status, 502);
  assert.deepEqual((await f.logged(3)).map((e) => [e.addr, e.statusText]), [
    [`127.0.0.1:${a}, 127.0.0.1:${b}`, '502, 502'], ['two', '502'], ['two', '502'],
  ]);
  const kinds = f.errorLines().map((l) => /\] \d+#0: \*\d+ (.*?) while/.exec(l)?.[1]).filter((k) => k !== undefined);
  assert.deepEqual(kinds, [
    'connect() failed (111: Connection refused)', 'upstream server temporarily disabled',
    'connect() failed (111: Connection refused)', 'upstream server temporarily disabled',
    'no live upstreams', 'no live upstreams',
  ]);
});
