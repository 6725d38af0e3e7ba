// stub_status with two workers: nginx's exact text, with every worker's counters summed by the
// master, after a known number of requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import { Ngts, freePort } from '../helpers/ngts.js';
import { request } from '../helpers/http-client.js';
import { RawClient } from '../helpers/raw.js';
import { waitFor } from '../helpers/wait.js';

const STUB = /^Active connections: (\d+) \nserver accepts handled requests\n (\d+) (\d+) (\d+) \nReading: (\d+) Writing: (\d+) Waiting: (\d+) \n$/;

test('stub_status: counters summed over both workers add up after N requests', async (t) => {
  const port = await freePort();
  const ngts = await Ngts.start({
    conf: `worker_processes 2;
events {}
http {
    log_format pids $pid;
    access_log logs/pids.log pids;
    server {
        listen 127.0.0.1:${port};
        root html;
        location = /basic_status { stub_status; access_log off; }
    }
}
`,
    files: { 'html/index.html': 'hello\n' },
  });
  t.after(() => ngts.cleanup());
  // Fresh connections until both workers have served some (the access log says which served
  // what): only then does the total prove the master added both workers' counters.
  let N = 0;
  const pids = (): Set<string> => new Set(fs.existsSync(ngts.path('logs/pids.log')) ? fs.readFileSync(ngts.path('logs/pids.log'), 'utf8').split('\n').filter(Boolean) : []);
  await waitFor(async () => {
    assert.equal((await request(port, '/')).status, 200);
    N++;
    return N >= 6 && pids().size === 2;
  }, 'requests served by both workers');
  // Each poll is one more connection and request; wait until the N closed connections are gone.
  let polls = 0;
  const m = await waitFor(async () => {
    polls++;
    const res = await request(port, '/basic_status');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/plain');
    const match = STUB.exec(res.body);
    assert.ok(match, JSON.stringify(res.body));
    return match[1] === '1' && match;
  }, 'only the status connection active');
  const [active, accepts, handled, requests, reading, writing, waiting] = m.slice(1).map(Number);
  assert.deepEqual({ active, accepts, handled, requests, reading, writing, waiting },
    { active: 1, accepts: N + polls, handled: N + polls, requests: N + polls, reading: 0, writing: 1, waiting: 0 });
});

test('stub_status: a keep-alive connection idle is Waiting; POST is 405', async (t) => {
  const port = await freePort();
  const ngts = await Ngts.start({
    conf: `events {}
http {
    access_log off;
    server {
        listen 127.0.0.1:${port};
        location = /s { stub_status; }
    }
}
`,
  });
  t.after(() => ngts.cleanup());
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  await request(port, '/s', { agent }); // leaves one idle keep-alive connection
  const res = await waitFor(async () => {
    const r = await request(port, '/s');
    return /^Active connections: 2 /.test(r.body) && r;
  }, 'two connections');
  assert.match(res.body, /Reading: 0 Writing: 1 Waiting: 1 \n$/);
  // Half a request head: that connection is Reading.
  const half = new RawClient(port);
  t.after(() => half.destroy());
  await half.connected;
  half.write('GET / HTTP/1.1\r\nHost: x\r\n');
  const reading = await waitFor(async () => {
    const r = await request(port, '/s');
    return /^Active connections: 3 /.test(r.body) && /Reading: 1 /.test(r.body) && r;
  }, 'a connection reading its request head');
  assert.match(reading.body, /Reading: 1 Writing: 1 Waiting: 1 \n$/);
  // A keep-alive connection that was answered once and now sends half of its next head: Reading.
  const second = new RawClient(port);
  t.after(() => second.destroy());
  second.write('GET /s HTTP/1.1\r\nHost: x\r\n\r\n');
  await second.waitForText((text) => /\r\n\r\n[\s\S]*Waiting/.test(text), 'the first answer');
  second.write('GET / HTTP/1.1\r\nHost: x\r\n');
  await waitFor(async () => {
    const r = await request(port, '/s');
    return /^Active connections: 4 /.test(r.body) && /Reading: 2 Writing: 1 Waiting: 1 \n$/.test(r.body) && r;
  }, 'two connections reading their request heads');
  const post = (await request(port, '/s', { method: 'POST' })).status;
  assert.equal(post, 405);
});

test('stub_status totals survive a reload: the workers that exited still count, as nginx\'s shared counters', async (t) => {
  const port = await freePort();
  const ngts = await Ngts.start({
    conf: `worker_processes 2;
events {}
http {
    access_log off;
    server {
        listen 127.0.0.1:${port};
        location = /s { stub_status; }
    }
}
`,
  });
  t.after(() => ngts.cleanup());
  const N = 7;
  for (let i = 0; i < N; i++) await request(port, '/none');
  const old = ngts.workerPids();
  await ngts.reload();
  await waitFor(() => ngts.workerPids().every((pid) => !old.includes(pid)), 'the old workers gone');
  let polls = 0;
  const m = await waitFor(async () => {
    polls++;
    const match = STUB.exec((await request(port, '/s')).body)!;
    return match[1] === '1' && match;
  }, 'only the status connection active');
  assert.deepEqual(m.slice(2, 5).map(Number), [N + polls, N + polls, N + polls]);
});

test('stub_status: a proxied WebSocket is one request, Writing while it lasts, never Reading', async (t) => {
  const { WebSocket, WebSocketServer } = await import('ws');
  const wsServer = http.createServer();
  const wss = new WebSocketServer({ server: wsServer });
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo ${String(m)}`)));
  await new Promise<void>((resolve) => wsServer.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => { wsServer.closeAllConnections(); wsServer.close(); });
  const wsPort = (wsServer.address() as net.AddressInfo).port;
  const port = await freePort();
  const ngts = await Ngts.start({
    conf: `events {}
http {
    access_log off;
    server {
        listen 127.0.0.1:${port};
        location = /s { stub_status; }
        location /ws/ {
            proxy_pass http://127.0.0.1:${wsPort};
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
        }
    }
}
`,
  });
  t.after(() => ngts.cleanup());
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/x`);
  t.after(() => ws.terminate());
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  ws.send('hi');
  await new Promise((resolve) => ws.once('message', resolve)); // bytes went through the tunnel
  const body = (await request(port, '/s')).body;
  assert.match(body, /^Active connections: 2 \nserver accepts handled requests\n 2 2 2 \nReading: 0 Writing: 2 Waiting: 0 \n$/);
  ws.terminate();
  const after = await waitFor(async () => {
    const b = (await request(port, '/s')).body;
    return /^Active connections: 1 /.test(b) && b;
  }, 'the tunnel closed');
  assert.match(after, /Reading: 0 Writing: 1 Waiting: 0 \n$/);
});
