// Starting and stopping the master: pid file, TERM/QUIT/-s, daemon on/off, -e, user,
// worker_rlimit_nofile — through the real bin/ngts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { Ngts, freePort, makePrefix, runNgts } from '../helpers/ngts.js';
import { request } from '../helpers/http-client.js';
import { waitFor } from '../helpers/wait.js';

function conf(port: number, extraMain = ''): string {
  return `worker_processes 1;\nerror_log logs/error.log notice;\n${extraMain}\nevents {}\n`
    + `http { server { listen 127.0.0.1:${port}; return 200 "up"; } }\n`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('foreground master: pid file once serving, a worker, TERM removes the pid file', async (t) => {
  const port = await freePort();
  const ngts = await Ngts.start({ conf: conf(port) });
  t.after(() => ngts.cleanup());
  // The pid file exists only once the port accepts: a request right now must succeed.
  const res = await request(port, '/');
  assert.equal(res.status, 200);
  assert.equal(res.body, 'up');
  const workers = ngts.workerPids();
  assert.equal(workers.length, 1);
  assert.match(ngts.logText(), new RegExp(`\\[notice\\] ${ngts.pid}#0: start worker process ${workers[0]}\\n`));

  ngts.signal('SIGTERM');
  assert.deepEqual(await ngts.waitExit(), { code: 0, signal: null });
  assert.equal(fs.existsSync(ngts.pidFile), false);
  const log = ngts.logText();
  assert.match(log, new RegExp(`\\[notice\\] ${ngts.pid}#0: signal 15 \\(SIGTERM\\) received, exiting\\n`));
  assert.match(log, new RegExp(`\\[notice\\] ${workers[0]}#0: exiting\\n`));
  assert.match(log, new RegExp(`\\[notice\\] ${ngts.pid}#0: worker process ${workers[0]} exited with code 0\\n`));
  assert.match(log, new RegExp(`\\[notice\\] ${ngts.pid}#0: exit\\n$`));
  assert.equal(isAlive(workers[0]), false);
});

test('-s quit: graceful shutdown, pid file removed; -s stop likewise', async (t) => {
  for (const [name, signal, action] of [['quit', 3, 'shutting down'], ['stop', 15, 'exiting']] as const) {
    const port = await freePort();
    const ngts = await Ngts.start({ conf: conf(port) });
    t.after(() => ngts.cleanup());
    const [worker] = ngts.workerPids();
    const result = await ngts.ngts(['-s', name]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await ngts.waitExit(), { code: 0, signal: null });
    assert.equal(fs.existsSync(ngts.pidFile), false);
    const log = ngts.logText();
    assert.match(log, new RegExp(`signal ${signal} \\(SIG${name === 'quit' ? 'QUIT' : 'TERM'}\\) received, ${action}\\n`));
    if (name === 'quit') assert.match(log, new RegExp(`\\[notice\\] ${worker}#0: gracefully shutting down\\n`));
    await assert.rejects(request(port, '/'), /ECONNREFUSED/);
  }
});

test('-s reports nginx\'s errors when no master runs', async (t) => {
  const port = await freePort();
  const prefix = makePrefix({ conf: conf(port) });
  t.after(() => fs.rmSync(prefix, { recursive: true, force: true }));
  const pidFile = `${prefix}/logs/ngts.pid`;
  const run = (signal: string) => runNgts(['-p', prefix, '-c', 'conf/nginx.conf', '-s', signal]);

  let r = await run('reload');
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `ngts: [error] open() "${pidFile}" failed (2: No such file or directory)\n`);

  fs.writeFileSync(pidFile, '');
  r = await run('quit');
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `ngts: [error] invalid PID number "" in "${pidFile}"\n`);

  const gone = spawnSync(process.execPath, ['-e', '0']).pid;
  fs.writeFileSync(pidFile, `${gone}\n`);
  r = await run('reload');
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `ngts: [alert] kill(${gone}, 1) failed (3: No such process)\n`);
});

test('a second master on the same pid file refuses to start', async (t) => {
  const port = await freePort();
  const ngts = await Ngts.start({ conf: conf(port) });
  t.after(() => ngts.cleanup());
  const r = await ngts.ngts(['-g', 'daemon off;']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `ngts: [emerg] ngts is already running (pid ${ngts.pid} in "${ngts.pidFile}")\n`);
  assert.equal((await request(port, '/')).body, 'up');
  assert.equal(fs.readFileSync(ngts.pidFile, 'utf8'), `${ngts.pid}\n`);
});

test('daemon on (the default): the command returns once serving, the daemon runs detached', async (t) => {
  const port = await freePort();
  const prefix = makePrefix({ conf: conf(port) });
  const pidFile = `${prefix}/logs/ngts.pid`;
  let daemonPid = 0;
  t.after(() => {
    if (daemonPid && isAlive(daemonPid)) process.kill(daemonPid, 'SIGKILL');
    fs.rmSync(prefix, { recursive: true, force: true });
  });
  const r = await runNgts(['-p', prefix, '-c', 'conf/nginx.conf']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  daemonPid = Number(fs.readFileSync(pidFile, 'utf8'));
  assert.ok(isAlive(daemonPid));
  assert.equal((await request(port, '/')).body, 'up');
  // Detached: a session of its own, so the terminal's signals do not reach it.
  const stat = fs.readFileSync(`/proc/${daemonPid}/stat`, 'utf8').split(') ')[1].split(' ');
  assert.equal(Number(stat[3]), daemonPid, 'the daemon leads its own session');

  const stop = await runNgts(['-p', prefix, '-c', 'conf/nginx.conf', '-s', 'stop']);
  assert.equal(stop.code, 0);
  await waitFor(() => !isAlive(daemonPid) && !fs.existsSync(pidFile), 'the daemon to exit');
});

test('daemon on: a startup failure is reported on the terminal with exit status 1', async (t) => {
  const busy = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => busy.once('listening', r));
  const port = (busy.address() as net.AddressInfo).port;
  const prefix = makePrefix({ conf: conf(port) });
  t.after(() => {
    busy.close();
    fs.rmSync(prefix, { recursive: true, force: true });
  });
  const r = await runNgts(['-p', prefix, '-c', 'conf/nginx.conf']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `ngts: [emerg] bind() to 127.0.0.1:${port} failed (98: Address already in use)\n`);
  await waitFor(() => !fs.readFileSync(`${prefix}/logs/error.log`, 'utf8').includes('exit\n') ? false : true, 'the daemon to exit');
  assert.equal(fs.existsSync(`${prefix}/logs/ngts.pid`), false);
});

test('-e names the error log used before (and without) an error_log directive', async (t) => {
  const busy = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => busy.once('listening', r));
  const port = (busy.address() as net.AddressInfo).port;
  const prefix = makePrefix({
    conf: `events {}\nhttp { server { listen 127.0.0.1:${port}; return 200; } }\n`,
    files: { 'conf/broken.conf': 'events {}\nbogus;\n' },
  });
  t.after(() => {
    busy.close();
    fs.rmSync(prefix, { recursive: true, force: true });
  });
  // A configuration error: on stderr and in the -e log.
  let r = await runNgts(['-p', prefix, '-c', 'conf/broken.conf', '-e', 'logs/boot.log', '-g', 'daemon off;']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^ngts: \[emerg\] unknown directive "bogus" in .*broken\.conf:2\n/);
  assert.match(fs.readFileSync(`${prefix}/logs/boot.log`, 'utf8'), /\[emerg\] \d+#0: unknown directive "bogus" in .*broken\.conf:2\n/);
  // No error_log directive: the -e log is the error log.
  r = await runNgts(['-p', prefix, '-c', 'conf/nginx.conf', '-e', 'logs/boot.log', '-g', 'daemon off;']);
  assert.equal(r.code, 1);
  assert.match(fs.readFileSync(`${prefix}/logs/boot.log`, 'utf8'), new RegExp(`\\[emerg\\] \\d+#0: bind\\(\\) to 127\\.0\\.0\\.1:${port} failed \\(98: Address already in use\\)\\n`));
  assert.equal(fs.existsSync(`${prefix}/logs/error.log`), false);
});

function procStatusField(pid: number, field: string): string {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`))!;
  return line.split(/\s+/)[1];
}

test('workers: worker_processes auto, worker_rlimit_nofile, and user when started as root', async (t) => {
  const port = await freePort();
  const ngts = await Ngts.start({
    conf: `worker_processes auto;\nworker_rlimit_nofile 4242;\nevents {}\nhttp { server { listen 127.0.0.1:${port}; return 200 "up"; } }\n`,
  });
  t.after(() => ngts.cleanup());
  const workers = ngts.workerPids();
  assert.equal(workers.length, os.availableParallelism());
  for (const pid of workers) {
    assert.match(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'), /Max open files\s+4242\s+4242\s+files/);
    if (process.getuid!() === 0) {
      // nginx's default for a root master: workers run as nobody.
      assert.equal(procStatusField(pid, 'Uid'), '65534');
      assert.equal(procStatusField(pid, 'Gid'), '65534');
    }
  }
  assert.equal((await request(port, '/')).body, 'up');
});

test('user: a root master runs its workers as the named user and group', { skip: process.getuid!() !== 0 && 'needs root' }, async (t) => {
  const port = await freePort();
  const ngts = await Ngts.start({ conf: conf(port, 'user daemon;') });
  t.after(() => ngts.cleanup());
  const [worker] = ngts.workerPids();
  const uid = spawnSync('id', ['-u', 'daemon'], { encoding: 'utf8' }).stdout.trim();
  const gid = spawnSync('getent', ['group', 'daemon'], { encoding: 'utf8' }).stdout.split(':')[2];
  assert.equal(procStatusField(worker, 'Uid'), uid);
  assert.equal(procStatusField(worker, 'Gid'), gid);
  assert.equal(procStatusField(ngts.pid, 'Uid'), '0');
  assert.equal((await request(port, '/')).body, 'up');
});

test('error_log: several targets, each with its level; stderr is one', async (t) => {
  const port = await freePort();
  const text = (extra: string) => `error_log logs/notice.log notice;\nerror_log logs/errors.log error;\nerror_log stderr warn;\n${extra}events {}\n`
    + `http { server { listen 127.0.0.1:${port}; return 200 "up"; } }\n`;
  const ngts = await Ngts.start({ conf: text('') });
  t.after(() => ngts.cleanup());
  const notice = ngts.path('logs/notice.log');
  const errors = ngts.path('logs/errors.log');
  await ngts.waitForLog(`[notice] ${ngts.pid}#0: start worker process`, { file: notice });
  ngts.writeFile('conf/nginx.conf', text('bogus;\n'));
  ngts.signal('SIGHUP');
  const emerg = `[emerg] ${ngts.pid}#0: unknown directive "bogus" in ${ngts.confFile}:4`;
  await ngts.waitForLog(emerg, { file: notice });
  await ngts.waitForLog(emerg, { file: errors });
  await waitFor(() => ngts.stderr.join('').includes(emerg), 'the [emerg] on stderr');
  assert.doesNotMatch(ngts.logText(errors), /\[notice\]/);
  assert.doesNotMatch(ngts.stderr.join(''), /\[notice\]/);
  assert.equal(fs.existsSync(ngts.errorLog), false, 'no default error log when error_log is set');
});

test('user: an unknown user is a startup error, with nginx\'s message', { skip: process.getuid!() !== 0 && 'needs root' }, async (t) => {
  const port = await freePort();
  const prefix = makePrefix({ conf: conf(port, 'user no-such-user-here;') });
  t.after(() => fs.rmSync(prefix, { recursive: true, force: true }));
  const r = await runNgts(['-p', prefix, '-c', 'conf/nginx.conf', '-g', 'daemon off;']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'ngts: [emerg] getpwnam("no-such-user-here") failed\n');
  assert.equal(fs.existsSync(`${prefix}/logs/ngts.pid`), false);
  await assert.rejects(request(port, '/'), /ECONNREFUSED/);
  // An existing user with a group that does not exist.
  fs.writeFileSync(`${prefix}/conf/nginx.conf`, conf(port, 'user nobody no-such-group-here;'));
  const g = await runNgts(['-p', prefix, '-c', 'conf/nginx.conf', '-g', 'daemon off;']);
  assert.equal(g.code, 1);
  assert.equal(g.stderr, 'ngts: [emerg] getgrnam("no-such-group-here") failed\n');
});
