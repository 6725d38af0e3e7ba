// The reload that loses nothing: 50 clients keep requests going — half on keep-alive connections,
// half on a new connection per request — while the configuration is reloaded 20 times, switching
// between two versions. No request may fail (no reset, no connection closed without response)
// and every body must be one of the two versions.
//
// nginx fails this (an old worker closes idle keep-alive connections while a client is sending
// on them); ngts's draining workers answer the next request with "Connection: close" instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Ngts, freePort } from '../helpers/ngts.js';
import { request } from '../helpers/http-client.js';
import { waitFor } from '../helpers/wait.js';

const KEEP_ALIVE_CLIENTS = 25;
const ONE_SHOT_CLIENTS = 25;
const RELOADS = 20;

function conf(port: number, version: string): string {
  return `worker_processes 2;\nerror_log logs/error.log notice;\nevents {}\n`
    + `http { server { listen 127.0.0.1:${port}; return 200 "${version}"; } }\n`;
}

function count(text: string, pattern: RegExp): number {
  return (text.match(pattern) ?? []).length;
}

test('zero-loss reload: 50 concurrent clients, 20 reloads, no failed request', async (t) => {
  const port = await freePort();
  const ngts = await Ngts.start({ conf: conf(port, 'v1') });
  t.after(() => ngts.cleanup());

  const bodies = new Map<string, number>();
  const failures: string[] = [];
  let requests = 0;
  let closedByServer = 0;
  let running = true;

  async function client(keepAlive: boolean): Promise<void> {
    // One connection at a time per client, as a browser tab or wrk's connection does.
    const agent = keepAlive ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : false;
    while (running) {
      try {
        const res = await request(port, '/', { agent });
        requests++;
        if (res.status !== 200) failures.push(`status ${res.status}`);
        bodies.set(res.body, (bodies.get(res.body) ?? 0) + 1);
        if (keepAlive && res.headers.connection === 'close') closedByServer++;
      } catch (e) {
        failures.push(`${keepAlive ? 'keep-alive' : 'one-shot'}: ${(e as Error).message}`);
      }
    }
    if (agent) agent.destroy();
  }

  const clients = [
    ...Array.from({ length: KEEP_ALIVE_CLIENTS }, () => client(true)),
    ...Array.from({ length: ONE_SHOT_CLIENTS }, () => client(false)),
  ];
  try {
    for (let i = 1; i <= RELOADS; i++) {
      const version = i % 2 === 1 ? 'v2' : 'v1';
      ngts.writeFile('conf/nginx.conf', conf(port, version));
      ngts.signal('SIGHUP');
      // Reload i is complete once the previous generation's 2 workers are draining (they stopped
      // listening): from then on, a new connection can only get the new version.
      await waitFor(() => count(ngts.logText(), /\[notice\] \d+#0: gracefully shutting down\n/g) >= 2 * i, `reload ${i}`);
      assert.equal((await request(port, '/')).body, version);
    }
  } finally {
    running = false;
    await Promise.all(clients);
  }

  const log = ngts.logText();
  assert.equal(count(log, /\[notice\] \d+#0: reconfiguring\n/g), RELOADS);
  assert.doesNotMatch(log, /\[(alert|emerg|crit|error)\]/);
  assert.deepEqual(failures, [], `${failures.length} of ${requests} requests failed`);
  assert.deepEqual([...bodies.keys()].sort(), ['v1', 'v2']);
  assert.ok(requests > 1000, `only ${requests} requests were made`);
  // The drain path was exercised: keep-alive clients were told to reconnect.
  assert.ok(closedByServer > 0);
  t.diagnostic(`${requests} requests, ${closedByServer} keep-alive connections closed with "Connection: close"`);

  ngts.signal('SIGQUIT');
  assert.deepEqual(await ngts.waitExit(), { code: 0, signal: null });
});
