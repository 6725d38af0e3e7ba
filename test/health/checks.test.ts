// Active health checks with real backends and a real ngts (master + 2 workers): transitions
// after `fall` failures and `rise` successes with nginx-style log lines, http checks on the
// status class, check_notify, state kept across a reload, and probes made by one process only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Ngts, freePort } from '../helpers/ngts.js';
import { request } from '../helpers/http-client.js';
import { waitFor } from '../helpers/wait.js';
import type { CheckStatusJson } from '../../src/status/check-status-text.js';
import { TestBackend } from './backends.js';

async function status(port: number): Promise<CheckStatusJson> {
  const res = await request(port, '/hc?format=json');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'application/json');
  return JSON.parse(res.body) as CheckStatusJson;
}

function peer(s: CheckStatusJson, address: string) {
  const row = s.servers.server.find((r) => r.name === address);
  assert.ok(row, `${address} in ${JSON.stringify(s)}`);
  return row;
}

test('tcp check: down after fall failures, up after rise successes, the state survives a reload', async (t) => {
  const a = await TestBackend.start();
  const b = await TestBackend.start();
  t.after(() => a.stop());
  t.after(() => b.stop());
  const port = await freePort();
  const conf = `worker_processes 2;
events {}
http {
    access_log off;
    upstream backend {
        server ${a.address};
        server ${b.address};
        check interval=100 rise=2 fall=3 timeout=1000 type=tcp default_down=false;
    }
    server {
        listen 127.0.0.1:${port};
        location /hc { check_status; }
    }
}
`;
  const ngts = await Ngts.start({ conf });
  t.after(() => ngts.cleanup());
  // Both are up from the start (default_down=false), and probed.
  await waitFor(async () => (await status(port)).servers.server.every((r) => r.checks >= 1 && r.status === 'up'), 'first checks');

  await a.stop();
  const line = await ngts.waitForLog(`upstream "backend" peer ${a.address} is down`, { file: ngts.harnessLog });
  assert.match(line, new RegExp(`\\[warn\\] \\d+#0: upstream "backend" peer ${a.address} is down \\(3 failed checks: connect\\(\\) failed \\(111: Connection refused\\)\\)$`));
  // Every worker knows: whichever answers reports it down.
  for (let i = 0; i < 4; i++) assert.equal(peer(await status(port), a.address).status, 'down');
  assert.equal(peer(await status(port), b.address).status, 'up');

  // A reload keeps the verdict: no new "is down" line, the new workers start with it.
  const mark = ngts.logMark(ngts.harnessLog);
  await ngts.reload();
  const after = await status(port);
  assert.equal(peer(after, a.address).status, 'down');
  assert.ok(peer(after, a.address).fall >= 3, 'the fall count goes on');
  assert.ok(!ngts.logText(ngts.harnessLog).slice(mark).includes('is down'));

  await a.start();
  const up = await ngts.waitForLog(`upstream "backend" peer ${a.address} is up`, { after: mark, file: ngts.harnessLog });
  assert.match(up, new RegExp(`\\[warn\\] \\d+#0: upstream "backend" peer ${a.address} is up \\(2 successful checks\\)$`));
  for (let i = 0; i < 4; i++) assert.equal(peer(await status(port), a.address).status, 'up');

  // A reload that adds a peer: it starts in default_down (true unless written), the others go on.
  const c = await TestBackend.start();
  t.after(() => c.stop());
  const checksBefore = peer(await status(port), b.address).checks;
  const mark2 = ngts.logMark(ngts.harnessLog);
  await ngts.reload(conf.replace(`server ${b.address};`, `server ${b.address};\n        server ${c.address} weight=2;`).replace(' default_down=false', ''));
  const added = await status(port);
  assert.deepEqual(added.servers.server.map((r) => r.name), [a.address, b.address, c.address]);
  assert.ok(peer(added, b.address).checks >= checksBefore, 'b\'s history kept');
  assert.equal(peer(added, b.address).status, 'up', 'a kept peer does not fall back to default_down');
  await ngts.waitForLog(`upstream "backend" peer ${c.address} is up (2 successful checks)`, { after: mark2, file: ngts.harnessLog });
  assert.equal(peer(await status(port), c.address).weight, 2);
});

test('http check: an unhealthy status takes the peer down; check_notify runs with up|down UPSTREAM PEER', async (t) => {
  const a = await TestBackend.start();
  t.after(() => a.stop());
  const port = await freePort();
  const ngts = await Ngts.start({
    conf: `events {}
http {
    access_log off;
    upstream app {
        server ${a.address};
        check interval=100 rise=1 fall=2 timeout=1000 type=http default_down=false;
        check_http_send "GET /health HTTP/1.0\\r\\n\\r\\n";
        check_http_expect_alive http_2xx;
        check_notify notify.sh;
    }
    server {
        listen 127.0.0.1:${port};
        location /hc { check_status json; }
    }
}
`,
    files: { 'notify.sh': '#!/bin/sh\necho "$@" >> "$(dirname "$0")/notified"\n' },
  });
  t.after(() => ngts.cleanup());
  fs.chmodSync(ngts.path('notify.sh'), 0o755);
  await waitFor(() => a.requests.length >= 1, 'a probe');
  assert.equal(a.requests[0], '/health');

  a.status = 503;
  const down = await ngts.waitForLog(`peer ${a.address} is down`, { file: ngts.harnessLog });
  assert.match(down, /is down \(2 failed checks: status 503 is not alive\)$/);
  a.status = 302; // 3xx is not alive here: only http_2xx was listed
  const after302 = await waitFor(async () => {
    const row = peer(await status(port), a.address);
    return row.last_result === 'status 302 is not alive' && row.fall >= 2 && row;
  }, 'checks answered 302');
  assert.equal(after302.status, 'down');
  a.status = 204;
  await ngts.waitForLog(`peer ${a.address} is up (1 successful checks)`, { file: ngts.harnessLog });
  const notified = await waitFor(() => {
    const text = fs.existsSync(ngts.path('notified')) ? fs.readFileSync(ngts.path('notified'), 'utf8') : '';
    return text.split('\n').length >= 3 && text;
  }, 'both notifications');
  assert.equal(notified, `down app ${a.address}\nup app ${a.address}\n`);
  const row = peer(await status(port), a.address);
  assert.equal(row.type, 'http');
  assert.equal(row.last_ok, true);
  assert.ok(row.response_times_ms.length > 0 && row.response_times_ms.every((ms) => ms >= 0));
});

test('a failing check_notify script is logged; the transition happens all the same', async (t) => {
  const a = await TestBackend.start();
  await a.stop();
  t.after(() => a.stop());
  const ngts = await Ngts.start({
    conf: `events {}
http {
    upstream app {
        server ${a.address};
        check interval=100 rise=1 fall=1 timeout=1000 type=tcp default_down=true;
        check_notify notify.sh;
    }
    server { listen 127.0.0.1:${await freePort()}; }
}
`,
    files: { 'notify.sh': '#!/bin/sh\nexit 3\n' },
  });
  t.after(() => ngts.cleanup());
  fs.chmodSync(ngts.path('notify.sh'), 0o755);
  // default_down=true, and the backend is started only now that the script is executable: the
  // first good check brings the peer up, the script runs and fails.
  await a.start();
  await ngts.waitForLog(`peer ${a.address} is up (1 successful checks)`, { file: ngts.harnessLog });
  const line = await ngts.waitForLog('check_notify', { file: ngts.harnessLog });
  assert.match(line, new RegExp(`\\[error\\] \\d+#0: check_notify "${ngts.path('notify.sh')} up app ${a.address}" exited with code 3$`));
});

test('probes run once, in the master: two workers and a reload add no probe', async (t) => {
  const a = await TestBackend.start();
  t.after(() => a.stop());
  const port = await freePort();
  const ngts = await Ngts.start({
    conf: `worker_processes 2;
events {}
http {
    access_log off;
    upstream app {
        server ${a.address};
        check interval=60000 rise=1 fall=1 timeout=1000 type=http;
    }
    server {
        listen 127.0.0.1:${port};
        location /hc { check_status json; }
    }
}
`,
  });
  t.after(() => ngts.cleanup());
  await ngts.waitForLog(`peer ${a.address} is up (1 successful checks)`, { file: ngts.harnessLog });
  await ngts.reload();
  // Both generations' workers have answered (the status page asks every worker).
  const s = await status(port);
  assert.equal(peer(s, a.address).checks, 1);
  assert.equal(a.connections, 1, 'one probe connection: the master\'s, none from the 4 workers');
  assert.deepEqual(a.requests, ['/']);
});
