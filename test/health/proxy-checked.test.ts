// The master's checker driving the proxy's balancers, in one process (the real worker runtime of
// test/proxy/helpers.ts' front; over IPC the workers apply the same marks with the same call): a down
// peer gets no request, the backup takes over when every primary is down and hands back, and
// with everything down the answer is 502 "no live upstreams" without any connect attempt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HealthChecker } from '../../src/health/checker.js';
import { setPeerCheckDown } from '../../src/proxy/peers.js';
import { request } from '../helpers/http-client.js';
import { waitFor } from '../helpers/wait.js';
import { front } from '../proxy/helpers.js';
import { TestBackend } from './backends.js';

test('checked peers: skipped when down, backup serves when all primaries are down, 502 at once when all are', async (t) => {
  const a = await TestBackend.start();
  const b = await TestBackend.start();
  const spare = await TestBackend.start();
  for (const x of [a, b, spare]) t.after(() => x.stop());
  const f = await front(`http {
    upstream backend {
        server ${a.address};
        server ${b.address};
        server ${spare.address} backup;
        check interval=50 rise=2 fall=2 timeout=1000 type=http default_down=false;
        check_http_send "GET /health HTTP/1.0\\r\\n\\r\\n";
        check_http_expect_alive http_2xx;
    }
    server { location / { proxy_pass http://backend; proxy_connect_timeout 30s; } }
}`);
  t.after(() => f.close());
  const lines: string[] = [];
  const checker = new HealthChecker((level, message) => lines.push(`[${level}] ${message}`), () => {
    for (const m of checker.marks()) setPeerCheckDown(m.upstream, m.address, m.down);
  });
  checker.configure(f.config);
  t.after(() => checker.stop());
  // Client requests a backend received (probes ask for /health).
  const clientRequests = (x: TestBackend): number => x.requests.filter((p) => p !== '/health').length;
  const served = async (n: number): Promise<string[]> => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push((await request(f.port, '/')).body);
    return out;
  };
  assert.deepEqual(new Set(await served(4)), new Set([String(a.port), String(b.port)]));

  // Unhealthy but listening: a request sent to it would be answered (503), so none must be.
  a.status = 503;
  await waitFor(() => lines.some((l) => l.includes(`peer ${a.address} is down`)), 'a down');
  const before = clientRequests(a);
  assert.deepEqual(await served(6), Array(6).fill(String(b.port)), 'every request to the live primary');
  assert.equal(clientRequests(a), before);

  b.status = 503;
  await waitFor(() => lines.some((l) => l.includes(`peer ${b.address} is down`)), 'b down');
  assert.deepEqual(await served(3), Array(3).fill(String(spare.port)), 'the backup takes over');

  spare.status = 503;
  await waitFor(() => lines.some((l) => l.includes(`peer ${spare.address} is down`)), 'spare down');
  const errorsBefore = f.errorLines().length;
  const clientBefore = [a, b, spare].map(clientRequests);
  const res = await request(f.port, '/');
  assert.equal(res.status, 502);
  const newLines = f.errorLines().slice(errorsBefore);
  assert.ok(newLines.some((l) => l.includes('no live upstreams while connecting to upstream')), newLines.join('\n'));
  assert.deepEqual([a, b, spare].map(clientRequests), clientBefore, 'no peer was tried');

  spare.status = 200;
  await waitFor(() => lines.some((l) => l.includes(`peer ${spare.address} is up`)), 'spare up');
  assert.deepEqual(await served(2), Array(2).fill(String(spare.port)), 'the sorry server again');
  a.status = 200;
  await waitFor(() => lines.some((l) => l === `[warn] upstream "backend" peer ${a.address} is up (2 successful checks)`), 'a up');
  assert.deepEqual(await served(3), Array(3).fill(String(a.port)), 'the backup hands back to the primary');
});
