// `listen unix:PATH` through bin/ngts: the master creates the socket file (mode 0666), workers
// serve on it, it survives reloads and is removed when a reload drops it or the master exits; an
// existing file at PATH, a live socket or a stale one, is nginx's bind() failure. What a request
// sees is what Debian's nginx 1.22.1 gives on a unix listener: $remote_addr "unix:",
// $server_addr "unix:PATH", no ports, a Location without Host made of "unix:PATH" and no port.
import { waitFor } from '../helpers/wait.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Ngts, makePrefix, runNgts } from '../helpers/ngts.js';

interface UnixResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One GET over the unix socket `socketPath`, on a fresh connection. */
function unixGet(socketPath: string, target: string, headers: http.OutgoingHttpHeaders = {}): Promise<UnixResponse> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path: target, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Sends `data` on a new unix connection; resolves with all the server sent when it closed. */
function unixRaw(socketPath: string, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath);
    let text = '';
    s.on('connect', () => s.write(data));
    s.on('data', (d) => { text += d.toString('latin1'); });
    s.on('error', reject);
    s.on('close', () => resolve(text));
  });
}

function isSocket(file: string): boolean {
  try {
    return fs.statSync(file).isSocket();
  } catch {
    return false;
  }
}

/** A directory of its own for socket files (short paths: sun_path holds 107 bytes). */
function socketDir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ngts-sock-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function conf(sock: string, body = 'v1', extra = ''): string {
  return `worker_processes 2;\nerror_log logs/error.log notice;\nevents {}\n`
    + `http {\n`
    + `  log_format addr '$remote_addr|$remote_port|$server_addr|$server_port|$host|$server_name';\n`
    + `  root html;\n`
    + `  access_log logs/access.log;\n`
    + `  server {\n`
    + `    listen unix:${sock};\n`
    + `    server_name one;\n`
    + `    access_log logs/access.log;\n`
    + `    access_log logs/addr.log addr;\n`
    + `    location /v { return 200 "${body} $remote_addr|$remote_port|$server_addr|$server_port|$server_name"; }\n`
    + `  }\n`
    + `  server {\n`
    + `    listen unix:${sock} default_server;\n`
    + `    server_name two;\n`
    + `    location /v { return 200 "two"; }\n`
    + `  }\n`
    + `${extra}}\n`;
}

test('listen unix: serves, selects servers by Host, logs and redirects as nginx, removes its file on exit', async (t) => {
  const sock = path.join(socketDir(t), 'a.sock');
  const ngts = await Ngts.start({ conf: conf(sock), files: { 'html/dir sp/index.html': 'x' } });
  t.after(() => ngts.cleanup());

  assert.ok(isSocket(sock), 'the master created the socket file');
  assert.equal(fs.statSync(sock).mode & 0o777, 0o666, 'mode 0666, as nginx');

  // server_name selection, and the default_server of the unix address for another name.
  assert.equal((await unixGet(sock, '/v', { Host: 'one' })).body, `v1 unix:||unix:${sock}||one`);
  assert.equal((await unixGet(sock, '/v', { Host: 'other' })).body, 'two');

  // A directory redirect: with a Host, no port; without one (the default server answers), the
  // listener's address "unix:PATH" stands for the host.
  const named = await unixRaw(sock, 'GET /dir%20sp?q=1 HTTP/1.0\r\nHost: one\r\n\r\n');
  assert.match(named, /^HTTP\/1\.1 301 Moved Permanently\r\n/);
  assert.ok(named.includes('\r\nLocation: http://one/dir%20sp/?q=1\r\n'), named);
  const hostless = await unixRaw(sock, 'GET /dir%20sp?q=1 HTTP/1.0\r\n\r\n');
  assert.ok(hostless.includes(`\r\nLocation: http://unix:${sock}/dir%20sp/?q=1\r\n`), hostless);

  // The access log: the combined line begins with "unix:"; empty ports are "-" in ngts's logs.
  const access = await waitFor(() => {
    const lines = ngts.logText(ngts.path('logs/access.log')).split('\n').filter(Boolean);
    return lines.length >= 4 && lines;
  }, 'the access log lines');
  assert.match(access[0], /^unix: - - \[[^\]]+\] "GET \/v HTTP\/1\.1" 200 \d+ "-" "-"$/);
  assert.match(access[3], /^unix: - - \[[^\]]+\] "GET \/dir%20sp\?q=1 HTTP\/1\.0" 301 \d+ "-" "-"$/);
  assert.equal(ngts.logText(ngts.path('logs/addr.log')).split('\n')[0], `unix:|-|unix:${sock}|-|one|one`);

  ngts.signal('SIGQUIT');
  assert.deepEqual(await ngts.waitExit(), { code: 0, signal: null });
  assert.equal(fs.existsSync(sock), false, 'the master removed its socket file');
});

/** Runs a second master on `conf` in the foreground: it must fail to start. */
async function failedStart(t: { after(fn: () => void): void }, text: string): Promise<string> {
  const prefix = makePrefix({ conf: text });
  t.after(() => fs.rmSync(prefix, { recursive: true, force: true }));
  const r = await runNgts(['-p', prefix, '-c', 'conf/nginx.conf', '-g', 'daemon off;']);
  assert.equal(r.code, 1, r.stderr);
  return r.stderr;
}

test('an existing socket file is nginx\'s bind() failure, live or stale, and is left alone', async (t) => {
  const dir = socketDir(t);
  const sock = path.join(dir, 'live.sock');
  const ngts = await Ngts.start({ conf: conf(sock) });
  t.after(() => ngts.cleanup());
  assert.equal(await failedStart(t, conf(sock)), `ngts: [emerg] bind() to unix:${sock} failed (98: Address already in use)\n`);
  // The failed master did not remove the live socket: it still serves.
  assert.ok(isSocket(sock));
  assert.equal((await unixGet(sock, '/v', { Host: 'other' })).body, 'two');

  // A stale socket: its process was killed, nobody listens on the file it left.
  const stale = path.join(dir, 'stale.sock');
  const holder = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => console.log('up'))`]);
  await new Promise((resolve) => holder.stdout.once('data', resolve));
  holder.kill('SIGKILL');
  await new Promise((resolve) => holder.once('exit', resolve));
  assert.ok(isSocket(stale));
  assert.equal(await failedStart(t, conf(stale)), `ngts: [emerg] bind() to unix:${stale} failed (98: Address already in use)\n`);
  assert.ok(isSocket(stale), 'nginx does not remove it, nor does ngts');

  // reuseport cannot be set on a unix socket: nginx stops at start with this line.
  const reuse = path.join(dir, 'reuse.sock');
  const reuseConf = conf(reuse).replace(`listen unix:${reuse};`, `listen unix:${reuse} reuseport;`);
  assert.equal(await failedStart(t, reuseConf), `ngts: [emerg] setsockopt(SO_REUSEPORT) unix:${reuse} failed (95: Operation not supported)\n`);
  assert.equal(fs.existsSync(reuse), false);
});

test('reload: a kept unix listen keeps its file and its queue, a dropped one is deleted, an added one created', async (t) => {
  const dir = socketDir(t);
  const [a, b] = [path.join(dir, 'a.sock'), path.join(dir, 'b.sock')];
  const ngts = await Ngts.start({ conf: conf(a) });
  t.after(() => ngts.cleanup());
  const inode = fs.statSync(a).ino;

  await ngts.reload(conf(a, 'v2'));
  assert.equal(fs.statSync(a).ino, inode, 'the same socket file');
  assert.equal((await unixGet(a, '/v', { Host: 'one' })).body, `v2 unix:||unix:${a}||one`);

  // Moved from a to b: b created, a deleted with nginx's warning.
  const mark = ngts.logMark();
  await ngts.reload(conf(b, 'v3'));
  assert.equal(fs.existsSync(a), false);
  assert.ok(isSocket(b));
  await ngts.waitForLog(`[warn] ${ngts.pid}#0: deleting socket ${a}`, { after: mark });
  assert.equal((await unixGet(b, '/v', { Host: 'one' })).body, `v3 unix:||unix:${b}||one`);

  ngts.signal('SIGTERM');
  assert.deepEqual(await ngts.waitExit(), { code: 0, signal: null });
  assert.equal(fs.existsSync(b), false);
});
