// The reload that loses nothing: 50 clients keep requests going — half on keep-alive connections,
// half on a new connection per request — while the configuration is reloaded 20 times, switching
// between two versions. No request may fail (no reset, no connection closed without response)
// and every body must be one of the two versions. The same on a unix-domain listener (10 reloads).
//
// nginx fails this (an old worker closes idle keep-alive connections while a client is sending
// on them); ngts's draining workers answer the next request with "Connection: close" instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Ngts, freePort } from '../helpers/ngts.js';
import { waitFor } from '../helpers/wait.js';

const KEEP_ALIVE_CLIENTS = 25;
const ONE_SHOT_CLIENTS = 25;

/** Where clients connect: a TCP port on 127.0.0.1, or a unix socket's path. */
type Target = { port: number } | { socketPath: string };

function conf(target: Target, version: string): string {
  const listen = 'port' in target ? `127.0.0.1:${target.port}` : `unix:${target.socketPath}`;
  return `worker_processes 2;\nerror_log logs/error.log notice;\nevents {}\n`
    + `http { server { listen ${listen}; return 200 "${version}"; } }\n`;
}

/** One GET on a fresh connection (or on `agent`'s), the whole body read. */
function get(target: Target, agent: http.Agent | false = false): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const where = 'port' in target ? { host: '127.0.0.1', port: target.port } : { socketPath: target.socketPath };
    const req = http.get({ ...where, path: '/', agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function count(text: string, pattern: RegExp): number {
  return (text.match(pattern) ?? []).length;
}

async function zeroLoss(t: { after(fn: () => void | Promise<void>): void; diagnostic(message: string): void }, target: Target, reloads: number): Promise<void> {
  const ngts = await Ngts.start({ conf: conf(target, 'v1') });
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
        const res = await get(target, agent);
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
    for (let i = 1; i <= reloads; i++) {
      const version = i % 2 === 1 ? 'v2' : 'v1';
      ngts.writeFile('conf/nginx.conf', conf(target, version));
      ngts.signal('SIGHUP');
      // Reload i is complete once the previous generation's 2 workers are draining (they stopped
      // listening): from then on, a new connection can only get the new version.
      await waitFor(() => count(ngts.logText(), /\[notice\] \d+#0: gracefully shutting down\n/g) >= 2 * i, `reload ${i}`);
      assert.equal((await get(target)).body, version);
    }
  } finally {
    running = false;
    await Promise.all(clients);
  }

  const log = ngts.logText();
  assert.equal(count(log, /\[notice\] \d+#0: reconfiguring\n/g), reloads);
  assert.doesNotMatch(log, /\[(alert|emerg|crit|error)\]/);
  assert.deepEqual(failures, [], `${failures.length} of ${requests} requests failed`);
  assert.deepEqual([...bodies.keys()].sort(), ['v1', 'v2']);
  assert.ok(requests > 1000, `only ${requests} requests were made`);
  // The drain path was exercised: keep-alive clients were told to reconnect.
  assert.ok(closedByServer > 0);
  t.diagnostic(`${requests} requests, ${closedByServer} keep-alive connections closed with "Connection: close"`);

  ngts.signal('SIGQUIT');
  assert.deepEqual(await ngts.waitExit(), { code: 0, signal: null });
}

test('zero-loss reload: 50 concurrent clients, 20 reloads, no failed request', async (t) => {
  await zeroLoss(t, { port: await freePort() }, 20);
});

// Half the reloads: the drain is the same code whatever the socket (each run costs a minute or
// more on a loaded machine).
test('zero-loss reload on a unix-domain listener: 50 concurrent clients, 10 reloads, no failed request', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ngts-sock-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const socketPath = path.join(dir, 'ngts.sock');
  await zeroLoss(t, { socketPath }, 10);
  assert.equal(fs.existsSync(socketPath), false, 'removed when the master exited');
});
