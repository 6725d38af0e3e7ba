// Reload (HUP, -s reload, config_watch), reopen (USR1), and worker respawn, through bin/ngts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { Ngts, freePort } from '../helpers/ngts.js';
import { request } from '../helpers/http-client.js';
import { waitFor } from '../helpers/wait.js';

function conf(ports: number[], body: string, extra = ''): string {
  const listens = ports.map((p) => `listen 127.0.0.1:${p};`).join(' ');
  return `worker_processes 1;\nerror_log logs/error.log notice;\n${extra}\nevents {}\n`
    + `http { server { ${listens} return 200 "${body}"; } }\n`;
}

async function bodyOf(port: number): Promise<string> {
  return (await request(port, '/')).body;
}

test('reload: new content from new workers, old workers quit gracefully, in nginx\'s words', async (t) => {
  const port = await freePort();
  const ngts = await Ngts.start({ conf: conf([port], 'v1') });
  t.after(() => ngts.cleanup());
  assert.equal(await bodyOf(port), 'v1');
  const [old] = ngts.workerPids();
  const mark = ngts.logMark();

  ngts.writeFile('conf/nginx.conf', conf([port], 'v2'));
  const r = await ngts.ngts(['-s', 'reload']);
  assert.equal(r.code, 0, r.stderr);
  await ngts.waitForLog(`worker process ${old} exited with code 0`, { after: mark });
  assert.equal(await bodyOf(port), 'v2');
  const [fresh] = ngts.workerPids();
  assert.notEqual(fresh, old);

  const lines = ngts.logText().slice(mark).split('\n').map((l) => l.replace(/^\S+ \S+ /, ''));
  const m = ngts.pid;
  const expected = [
    `[notice] ${m}#0: signal 1 (SIGHUP) received, reconfiguring`,
    `[notice] ${m}#0: reconfiguring`,
    `[notice] ${m}#0: start worker processes`,
    `[notice] ${m}#0: start worker process ${fresh}`,
    `[notice] ${old}#0: gracefully shutting down`,
    `[notice] ${old}#0: exiting`,
    `[notice] ${old}#0: exit`,
    `[notice] ${m}#0: worker process ${old} exited with code 0`,
  ];
  for (const line of expected) assert.ok(lines.includes(line), `missing "${line}" in:\n${lines.join('\n')}`);
  assert.ok(lines.indexOf(expected[3]) < lines.indexOf(expected[4]), 'old workers quit only after the new ones started');
});

test('reload with a broken config: -s reload refuses, HUP logs [emerg], old workers keep serving', async (t) => {
  const port = await freePort();
  const ngts = await Ngts.start({ conf: conf([port], 'v1') });
  t.after(() => ngts.cleanup());
  const workers = ngts.workerPids();
  const broken = conf([port], 'v2').replace('events {}', 'events {}\nbogus on;');
  ngts.writeFile('conf/nginx.conf', broken);

  // Like nginx, `-s reload` parses the config first and does not signal a broken one.
  const r = await ngts.ngts(['-s', 'reload']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^ngts: \\[emerg\\] unknown directive "bogus" in ${ngts.confFile}:5\\n`));

  const mark = ngts.logMark();
  ngts.signal('SIGHUP');
  await ngts.waitForLog(new RegExp(`\\[emerg\\] ${ngts.pid}#0: unknown directive "bogus" in ${ngts.confFile}:5$`), { after: mark });
  assert.equal(await bodyOf(port), 'v1');
  assert.deepEqual(ngts.workerPids(), workers);
  assert.doesNotMatch(ngts.logText().slice(mark), /start worker process/);
});

test('reload opens added listen addresses and closes removed ones; a bind failure keeps the old config', async (t) => {
  const [a, b] = [await freePort(), await freePort()];
  const ngts = await Ngts.start({ conf: conf([a], 'one') });
  t.after(() => ngts.cleanup());

  await ngts.reload(conf([a, b], 'two'));
  assert.equal(await bodyOf(b), 'two');
  assert.equal(await bodyOf(a), 'two');

  await ngts.reload(conf([b], 'three'));
  assert.equal(await bodyOf(b), 'three');
  await assert.rejects(request(a, '/'), /ECONNREFUSED/);

  // An address another process holds: nginx's [emerg], and the running config stays.
  const busy = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => busy.once('listening', r));
  t.after(() => busy.close());
  const c = (busy.address() as net.AddressInfo).port;
  const mark = ngts.logMark();
  await assert.rejects(ngts.reload(conf([b, c], 'four')), /reload refused: .*\[emerg\] \d+#0: bind\(\) to/);
  await ngts.waitForLog(`[emerg] ${ngts.pid}#0: bind() to 127.0.0.1:${c} failed (98: Address already in use)`, { after: mark });
  assert.equal(await bodyOf(b), 'three');
  // As nginx, the master binds before forking: a failed bind costs no worker.
  assert.doesNotMatch(ngts.logText().slice(mark), /start worker process/);
});

test('a worker killed with SIGKILL is replaced and the server keeps answering', async (t) => {
  const port = await freePort();
  const ngts = await Ngts.start({ conf: conf([port], 'alive') });
  t.after(() => ngts.cleanup());
  const [victim] = ngts.workerPids();
  const mark = ngts.logMark();
  process.kill(victim, 'SIGKILL');
  await ngts.waitForLog(`[alert] ${ngts.pid}#0: worker process ${victim} exited on signal 9`, { after: mark });
  const line = await ngts.waitForLog(/start worker process \d+$/, { after: mark });
  const successor = Number(/(\d+)$/.exec(line)![1]);
  // The master's listening socket outlived the worker: a connection made before the successor
  // listens waits in the accept queue and is served, not refused.
  assert.equal(await bodyOf(port), 'alive');
  assert.deepEqual(ngts.workerPids(), [successor]);
});

test('USR1 (-s reopen) reopens an error log that logrotate moved away', async (t) => {
  const port = await freePort();
  const ngts = await Ngts.start({ conf: conf([port], 'x') });
  t.after(() => ngts.cleanup());
  const [worker] = ngts.workerPids();
  const rotated = ngts.path('logs/error.log.1');
  fs.renameSync(ngts.errorLog, rotated);
  const r = await ngts.ngts(['-s', 'reopen']);
  assert.equal(r.code, 0, r.stderr);
  // As nginx, "reopening logs" is the last line in the old file; what follows goes to the new one.
  await ngts.waitForLog(`[notice] ${ngts.pid}#0: reopening logs`, { file: rotated });
  await ngts.waitForLog(`[notice] ${worker}#0: reopening logs`, { file: rotated });
  assert.match(fs.readFileSync(rotated, 'utf8'), /signal 10 \(SIGUSR1\) received, reopening logs\n/);
  ngts.signal('SIGQUIT');
  await ngts.waitExit();
  const fresh = ngts.logText();
  assert.match(fresh, new RegExp(`\\[notice\\] ${worker}#0: gracefully shutting down\\n`));
  assert.match(fresh, new RegExp(`\\[notice\\] ${ngts.pid}#0: exit\\n$`));
  assert.doesNotMatch(fs.readFileSync(rotated, 'utf8'), /gracefully shutting down/);
});

test('config_watch: an edit to an included file reloads (also when saved by rename); a broken edit does not', async (t) => {
  const port = await freePort();
  const site = (body: string) => `server { listen 127.0.0.1:${port}; return 200 "${body}"; }\n`;
  const ngts = await Ngts.start({
    conf: 'worker_processes 1;\nerror_log logs/error.log notice;\nconfig_watch on;\nevents {}\nhttp { include site.conf; }\n',
    files: { 'conf/site.conf': site('v1') },
  });
  t.after(() => ngts.cleanup());
  assert.equal(await bodyOf(port), 'v1');

  ngts.writeFile('conf/site.conf', site('v2'));                   // saved by rename
  await waitFor(async () => (await bodyOf(port)) === 'v2', 'v2 after a rename-save');
  ngts.writeFile('conf/site.conf', site('v3'), { inPlace: true }); // saved in place
  await waitFor(async () => (await bodyOf(port)) === 'v3', 'v3 after an in-place save');

  const mark = ngts.logMark();
  ngts.writeFile('conf/site.conf', 'server { bogus; }\n', { inPlace: true });
  await ngts.waitForLog(`configuration file ${ngts.path('conf/site.conf')} changed, reconfiguring`, { after: mark });
  await ngts.waitForLog(new RegExp(`\\[emerg\\] ${ngts.pid}#0: unknown directive "bogus" in .*site\\.conf:1$`), { after: mark });
  assert.equal(await bodyOf(port), 'v3');
});

test('HUPs in quick succession are coalesced; the last configuration wins', async (t) => {
  const port = await freePort();
  const ngts = await Ngts.start({ conf: conf([port], 'v0') });
  t.after(() => ngts.cleanup());
  for (let i = 1; i <= 5; i++) {
    ngts.writeFile('conf/nginx.conf', conf([port], `v${i}`));
    ngts.signal('SIGHUP');
  }
  await waitFor(async () => (await bodyOf(port)) === 'v5', 'the last configuration to serve');
  // The kernel merges pending signals, and HUPs arriving during a reload make one more reload
  // after it: at most as many reloads as HUPs, none overlapping, none failed.
  assert.doesNotMatch(ngts.logText(), /\[(emerg|alert)\]/);
  const reloads = (ngts.logText().match(/\[notice\] \d+#0: reconfiguring\n/g) ?? []).length;
  assert.ok(reloads >= 1 && reloads <= 5, `${reloads} reloads`);
  await waitFor(() => ngts.workerPids().length === 1, 'old generations to exit');
});
