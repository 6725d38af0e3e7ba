// check_status: the JSON validates against the schema the README documents (and the README's
// copy is that schema), csv has Tengine's columns first, and the HTML page — self-contained,
// self-refreshing, green and red rows, a sparkline — seen by headless Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Ngts, freePort } from '../helpers/ngts.js';
import { request } from '../helpers/http-client.js';
import { waitFor } from '../helpers/wait.js';
import { REPO_ROOT } from '../helpers/repo.js';
import { TestBackend } from './backends.js';
import { CHECK_STATUS_SCHEMA, validate } from './status-schema.js';

const CHROMIUM = '/usr/bin/chromium';

async function startWithPeers(t: { after(fn: () => unknown): void }) {
  const up = await TestBackend.start();
  const down = await TestBackend.start();
  const backup = await TestBackend.start();
  await down.stop();
  for (const b of [up, down, backup]) t.after(() => b.stop());
  const port = await freePort();
  const ngts = await Ngts.start({
    conf: `worker_processes 2;
events {}
http {
    access_log off;
    upstream web {
        server ${up.address} weight=3;
        server ${down.address};
        server ${backup.address} backup;
        check interval=100 rise=1 fall=1 timeout=1000 type=http;
    }
    upstream other {
        server ${up.address};
        check interval=100 rise=1 fall=1 timeout=1000 type=tcp default_down=false port=${up.port};
    }
    server {
        listen 127.0.0.1:${port};
        location /status { check_status; }
    }
}
`,
  });
  t.after(() => ngts.cleanup());
  await waitFor(async () => {
    const s = JSON.parse((await request(port, '/status?format=json')).body);
    return s.servers.server.every((r: { checks: number }) => r.checks >= 2);
  }, 'every peer checked twice');
  return { ngts, port, up, down, backup };
}

test('check_status json validates against the documented schema; csv and html by ?format=', async (t) => {
  const { port, up, down, backup } = await startWithPeers(t);
  const res = await request(port, '/status?format=json');
  assert.equal(res.headers['content-type'], 'application/json');
  const json = JSON.parse(res.body);
  assert.deepEqual(validate(json, CHECK_STATUS_SCHEMA), []);
  assert.equal(json.servers.total, 4);
  assert.deepEqual(json.servers.server.map((r: { upstream: string; name: string; status: string; weight: number; backup: boolean }) => [r.upstream, r.name, r.status, r.weight, r.backup]), [
    ['web', up.address, 'up', 3, false], ['web', down.address, 'down', 1, false], ['web', backup.address, 'up', 1, true], ['other', up.address, 'up', 1, false],
  ]);
  const downRow = json.servers.server[1];
  assert.equal(downRow.last_ok, false);
  assert.equal(downRow.last_result, 'connect() failed (111: Connection refused)');
  // A broken document fails the validator: it can tell.
  assert.notDeepEqual(validate({ servers: { ...json.servers, server: [{ ...downRow, status: 'sick' }] } }, CHECK_STATUS_SCHEMA), []);

  const csv = await request(port, '/status?format=csv');
  assert.equal(csv.headers['content-type'], 'text/plain');
  const lines = csv.body.trimEnd().split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[1], new RegExp(`^1,web,${down.address},down,0,\\d+,http,${down.port},1,,0,0,0,\\d+,`));
  assert.equal((await request(port, '/status?format=html')).headers['content-type'], 'text/html');
  // Tengine's ?status= filter.
  const onlyDown = JSON.parse((await request(port, '/status?status=down&format=json')).body);
  assert.deepEqual(onlyDown.servers.server.map((r: { name: string }) => r.name), [down.address]);
  assert.equal(onlyDown.servers.total, 1);
  assert.equal(JSON.parse((await request(port, '/status?format=json&status=up')).body).servers.total, 3);
  assert.equal((await request(port, '/status')).headers['content-type'], 'text/html', 'html is the default');
});

test('the README documents exactly this JSON schema', () => {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.split('### check_status JSON')[1];
  assert.ok(section, 'README has a "### check_status JSON" section');
  const block = /```json\n([\s\S]*?)```/.exec(section)![1];
  assert.deepEqual(JSON.parse(block), CHECK_STATUS_SCHEMA);
});

test('the HTML page in headless Chromium: green and red rows, sparklines, and it refreshes itself', {
  skip: fs.existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install -y chromium)`,
}, async (t) => {
  const { port, down } = await startWithPeers(t);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  }); // launch() gives every run a fresh, temporary profile (playwright refuses --user-data-dir here)
  t.after(() => browser.close());
  const page = await browser.newPage();
  const external: string[] = [];
  page.on('request', (r) => { if (!r.url().startsWith(`http://127.0.0.1:${port}/status`)) external.push(r.url()); });
  await page.goto(`http://127.0.0.1:${port}/status`);
  const rows = await page.$$eval('tr[data-peer]', (trs) => trs.map((tr) => ({
    peer: tr.getAttribute('data-peer'), cls: tr.className, bg: getComputedStyle(tr).backgroundColor,
    points: tr.querySelector('svg polyline')?.getAttribute('points') ?? null,
  })));
  assert.equal(rows.length, 4);
  const downRow = rows.find((r) => r.peer === `web ${down.address}`)!;
  assert.equal(downRow.cls, 'down');
  assert.equal(downRow.bg, 'rgb(244, 182, 182)');
  for (const r of rows.filter((x) => x !== downRow)) {
    assert.equal(r.cls, 'up');
    assert.equal(r.bg, 'rgb(200, 240, 200)');
    assert.ok(r.points && r.points.split(' ').length >= 2, `a sparkline of ${r.peer}`);
  }
  assert.equal(downRow.points, null, 'no response time for a peer that never answered');
  assert.deepEqual(external, [], 'no external asset');
  // The page reloads itself: the peer that comes back turns green without any action here.
  await down.start();
  await page.waitForSelector(`tr[data-peer="web ${down.address}"].up`, { timeout: 15_000 });
});
