// Health checks and LVS schedulers through a real ngts (master + workers) proxying to real
// backends: no client request reaches a peer once it is down, the backup serves while every
// primary is down and hands back, everything down is an immediate 502; the status page's
// per-peer request counts are every worker's; sed and nq choose as the LVS formulas say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { Ngts, freePort } from '../helpers/ngts.js';
import { request } from '../helpers/http-client.js';
import { waitFor } from '../helpers/wait.js';
import type { CheckStatusJson } from '../../src/status/check-status-text.js';
import { TestBackend } from './backends.js';

const clientRequests = (x: TestBackend): number => x.requests.filter((p) => p !== '/health').length;

test('real ngts: a down peer gets no request, the backup takes over and hands back, all down is 502 at once', async (t) => {
  const a = await TestBackend.start();
  const b = await TestBackend.start();
  const spare = await TestBackend.start();
  for (const x of [a, b, spare]) t.after(() => x.stop());
  const port = await freePort();
  const ngts = await Ngts.start({
    conf: `worker_processes 2;
events {}
http {
    access_log off;
    upstream backend {
        server ${a.address};
        server ${b.address};
        server ${spare.address} backup;
        check interval=100 rise=2 fall=2 timeout=1000 type=http default_down=false;
        check_http_send "GET /health HTTP/1.0\\r\\n\\r\\n";
        check_http_expect_alive http_2xx;
    }
    server {
        listen 127.0.0.1:${port};
        location / { proxy_pass http://backend; proxy_connect_timeout 30s; }
        location /hc { check_status json; }
    }
}
`,
  });
  t.after(() => ngts.cleanup());
  const log = { file: ngts.harnessLog };
  const served = async (n: number): Promise<string[]> => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await request(port, '/');
      out.push(res.status === 200 ? res.body : String(res.status));
    }
    return out;
  };
  assert.deepEqual(new Set(await served(6)), new Set([String(a.port), String(b.port)]));

  a.status = 503; // unhealthy, still listening: a request sent there would be answered
  await ngts.waitForLog(`upstream "backend" peer ${a.address} is down (2 failed checks: status 503 is not alive)`, log);
  const aBefore = clientRequests(a);
  assert.deepEqual(await served(10), Array(10).fill(String(b.port)));
  assert.equal(clientRequests(a), aBefore, 'no client request to the down peer, from either worker');

  // Workers forked now (their predecessors killed) get the state with their configuration.
  const victims = ngts.workerPids();
  for (const pid of victims) process.kill(pid, 'SIGKILL');
  await waitFor(() => { const now = ngts.workerPids(); return now.length === 2 && now.every((p) => !victims.includes(p)); }, 'two new workers');
  const again = clientRequests(a);
  const bSinceRespawn = clientRequests(b);
  assert.deepEqual(await served(8), Array(8).fill(String(b.port)));
  assert.equal(clientRequests(a), again, 'the new workers skip the down peer too');

  // The status page's request counts are both (new) workers' together.
  const s = JSON.parse((await request(port, '/hc')).body) as CheckStatusJson;
  assert.equal(s.servers.server.find((r) => r.name === b.address)!.requests, clientRequests(b) - bSinceRespawn);

  b.status = 503;
  await ngts.waitForLog(`peer ${b.address} is down`, log);
  assert.deepEqual(await served(4), Array(4).fill(String(spare.port)), 'the sorry server');

  spare.status = 503;
  await ngts.waitForLog(`peer ${spare.address} is down`, log);
  const before = [a, b, spare].map(clientRequests);
  assert.deepEqual(await served(3), ['502', '502', '502']);
  assert.deepEqual([a, b, spare].map(clientRequests), before, 'no peer tried: no connect, no timeout');

  spare.status = 200;
  await ngts.waitForLog(`peer ${spare.address} is up`, log);
  assert.deepEqual(await served(2), Array(2).fill(String(spare.port)));
  a.status = 200;
  await ngts.waitForLog(`peer ${a.address} is up (2 successful checks)`, log);
  assert.deepEqual(await served(4), Array(4).fill(String(a.port)), 'the backup hands back');
});

/** Backends that hold every request until released, so active connections stay counted. */
async function holdingBackends(n: number) {
  const arrivals: number[] = [];
  const held: http.ServerResponse[] = [];
  const servers: http.Server[] = [];
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const server = http.createServer((req, res) => {
      arrivals.push(i);
      held.push(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    ports.push((server.address() as net.AddressInfo).port);
    servers.push(server);
  }
  return {
    ports, arrivals,
    release: () => { for (const r of held.splice(0)) r.end('ok'); },
    close: () => Promise.all(servers.map((s) => new Promise((r) => { s.closeAllConnections(); s.close(r); }))),
  };
}

for (const [method, expected] of [['sed', 'B B A B B B A'], ['nq', 'A B B B B B A']] as const) {
  test(`real ngts, one worker: ${method} with weights 1 and 3 and requests held gives ${expected}`, async (t) => {
    const backends = await holdingBackends(2);
    t.after(() => backends.close());
    const port = await freePort();
    const ngts = await Ngts.start({
      conf: `worker_processes 1;
events {}
http {
    access_log off;
    upstream lvs {
        ${method};
        server 127.0.0.1:${backends.ports[0]} weight=1;
        server 127.0.0.1:${backends.ports[1]} weight=3;
        check interval=60000 type=tcp default_down=false;
    }
    server {
        listen 127.0.0.1:${port};
        location / { proxy_pass http://lvs; }
        location = /hc { check_status json; }
    }
}
`,
    });
    t.after(() => ngts.cleanup());
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 7; i++) {
      pending.push(request(port, '/'));
      await waitFor(() => backends.arrivals.length === i + 1, `request ${i + 1} at a backend`);
    }
    assert.equal(backends.arrivals.map((i) => (i === 0 ? 'A' : 'B')).join(' '), expected);
    // check_status shows the connections in flight, then the totals.
    const held = (i: number): number => backends.arrivals.filter((x) => x === i).length;
    const rows = async () => (JSON.parse((await request(port, '/hc')).body) as CheckStatusJson).servers.server;
    assert.deepEqual((await rows()).map((r) => [r.weight, r.active, r.requests]), [[1, held(0), held(0)], [3, held(1), held(1)]]);
    backends.release();
    await Promise.all(pending);
    await waitFor(async () => (await rows()).every((r) => r.active === 0), 'no connection in flight');
    assert.deepEqual((await rows()).map((r) => r.requests), [held(0), held(1)]);
  });
}
