// Graceful shutdown (QUIT): in-flight responses finish however slow the reader, idle keep-alive
// connections are closed cleanly, and worker_shutdown_timeout bounds the wait.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { Ngts, freePort } from '../helpers/ngts.js';
import { request } from '../helpers/http-client.js';
import { RawClient } from '../helpers/raw.js';
import { waitFor } from '../helpers/wait.js';

// Far more than loopback socket buffers hold: the response stays in flight while the reader waits.
const BIG = 32 * 1024 * 1024;

function conf(port: number, extraMain = ''): string {
  return `worker_processes 1;\nerror_log logs/error.log notice;\n${extraMain}\nevents {}\n`
    + `http { server { listen 127.0.0.1:${port}; root html; } }\n`;
}

/** Starts a GET of /big.bin and stops reading after the first chunk. */
function slowDownload(port: number): Promise<{ res: http.IncomingMessage; received: () => number; done: Promise<'end' | 'aborted'> }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/big.bin', agent: false }, (res) => {
      let bytes = 0;
      const done = new Promise<'end' | 'aborted'>((settle) => {
        res.on('end', () => settle('end'));
        res.on('aborted', () => settle('aborted'));
        res.on('error', () => settle('aborted'));
      });
      res.on('data', (chunk: Buffer) => { bytes += chunk.length; });
      res.once('data', () => {
        res.pause();
        resolve({ res, received: () => bytes, done });
      });
    });
    req.on('error', reject);
  });
}

test('QUIT lets a slow in-flight response finish, then the master exits', async (t) => {
  const port = await freePort();
  const ngts = await Ngts.start({ conf: conf(port), files: { 'html/big.bin': Buffer.alloc(BIG, 'x') } });
  t.after(() => ngts.cleanup());
  const [worker] = ngts.workerPids();
  const download = await slowDownload(port);

  ngts.signal('SIGQUIT');
  await ngts.waitForLog(`[notice] ${worker}#0: gracefully shutting down`);
  // Stopped listening: new connections are refused while the old one is still served.
  await new Promise<void>((resolve, reject) => {
    net.connect(port, '127.0.0.1').on('connect', () => reject(new Error('still accepting'))).on('error', () => resolve());
  });
  // The reader has not read the body, so the worker cannot have finished: it is still there.
  assert.doesNotMatch(ngts.logText(), new RegExp(`${worker}#0: exiting`));
  assert.equal(fs.readFileSync(ngts.pidFile, 'utf8'), `${ngts.pid}\n`);

  download.res.resume();
  assert.equal(await download.done, 'end');
  assert.equal(download.received(), BIG);
  assert.deepEqual(await ngts.waitExit(), { code: 0, signal: null });
  assert.equal(fs.existsSync(ngts.pidFile), false);
});

test('QUIT: a kept-alive connection whose response was in flight closes after the idle grace, not keepalive_timeout', async (t) => {
  const port = await freePort();
  const ngts = await Ngts.start({ conf: conf(port), files: { 'html/big.bin': Buffer.alloc(BIG, 'x') } });
  t.after(() => ngts.cleanup());
  const [worker] = ngts.workerPids();
  const client = new RawClient(port, { countOnly: true });
  // HTTP/1.1 without "Connection: close": the response's headers say keep-alive.
  client.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => client.received > 0, 'the start of the response');
  client.socket.pause();
  ngts.signal('SIGQUIT');
  await ngts.waitForLog(`[notice] ${worker}#0: gracefully shutting down`);
  client.socket.resume();
  // keepalive_timeout is 75 s: the drain's grace (about 2 s) must close the connection well before.
  await waitFor(() => client.endedBy !== '', 'the server closing the connection', 10_000);
  assert.equal(client.endedBy, 'end');
  assert.ok(client.received > BIG, `received ${client.received} bytes`);
  assert.deepEqual(await ngts.waitExit(), { code: 0, signal: null });
});

test('worker_shutdown_timeout closes what is still in flight when it expires', async (t) => {
  const port = await freePort();
  const ngts = await Ngts.start({ conf: conf(port, 'worker_shutdown_timeout 300ms;'), files: { 'html/big.bin': Buffer.alloc(BIG, 'x') } });
  t.after(() => ngts.cleanup());
  const download = await slowDownload(port);
  ngts.signal('SIGQUIT');
  // The reader never resumes: only the timeout can end the worker.
  assert.deepEqual(await ngts.waitExit(), { code: 0, signal: null });
  download.res.resume();
  assert.equal(await download.done, 'aborted');
  assert.ok(download.received() < BIG);
});

test('QUIT closes an idle keep-alive connection cleanly (FIN, no reset) once it stayed silent', async (t) => {
  const port = await freePort();
  const ngts = await Ngts.start({ conf: conf(port), files: { 'html/index.html': 'hi' } });
  t.after(() => ngts.cleanup());
  const client = new RawClient(port);
  client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const text = await client.waitForText((t) => t.endsWith('hi'), 'the response');
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(text, /\r\nConnection: keep-alive\r\n/i);

  ngts.signal('SIGQUIT');
  assert.equal(await client.ended, 'end');
  client.socket.end();
  assert.deepEqual(await ngts.waitExit(), { code: 0, signal: null });
});

test('QUIT: the next request on a kept-alive connection is answered, with Connection: close', async (t) => {
  const port = await freePort();
  const ngts = await Ngts.start({ conf: conf(port), files: { 'html/index.html': 'hi' } });
  t.after(() => ngts.cleanup());
  const [worker] = ngts.workerPids();
  const conn = new RawClient(port);
  conn.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await conn.waitForText((t) => t.endsWith('hi'), 'the first response');
  ngts.signal('SIGQUIT');
  await ngts.waitForLog(`[notice] ${worker}#0: gracefully shutting down`);
  // Within the idle grace (DRAIN_IDLE_GRACE_MS, 1 s; this write follows the log line at once),
  // the client's next request is served — nginx would have closed the connection already.
  conn.text = '';
  conn.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(await conn.ended, 'end');
  assert.match(conn.text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(conn.text, /\r\nConnection: close\r\n/i);
  assert.ok(conn.text.endsWith('hi'));
  assert.deepEqual(await ngts.waitExit(), { code: 0, signal: null });
});

test('QUIT: a response still waiting for its upstream is in flight, not idle: it is not cut after the idle grace', async (t) => {
  // An upstream that answers 1.5 s after the request, longer than the drain's idle grace (1 s).
  let arrived = false;
  const backend = http.createServer((_req, res) => {
    arrived = true;
    setTimeout(() => res.end('slow answer'), 1500);
  });
  backend.listen(0, '127.0.0.1');
  await once(backend, 'listening');
  t.after(() => backend.close());
  const upstream = (backend.address() as net.AddressInfo).port;
  const port = await freePort();
  const ngts = await Ngts.start({
    conf: `worker_processes 1;\nerror_log logs/error.log notice;\nevents {}\n`
      + `http { server { listen 127.0.0.1:${port}; location /slow { proxy_pass http://127.0.0.1:${upstream}; } } }\n`,
  });
  t.after(() => ngts.cleanup());
  const [worker] = ngts.workerPids();
  const conn = new RawClient(port);
  conn.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => arrived, 'the request at the upstream');
  ngts.signal('SIGQUIT');
  await ngts.waitForLog(`[notice] ${worker}#0: gracefully shutting down`);
  assert.equal(await conn.ended, 'end');
  assert.match(conn.text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(conn.text, /\r\nslow answer(\r\n0\r\n\r\n)?$/);
  assert.deepEqual(await ngts.waitExit(), { code: 0, signal: null });
});

test('reload: a slow response in flight on an old worker finishes; that worker exits after it', async (t) => {
  const [files, api] = [await freePort(), await freePort()];
  const twoServers = (version: string): string => conf(files).replace(/\}\s*\}\n$/,
    `} server { listen 127.0.0.1:${api}; return 200 "${version}"; } }\n`);
  const ngts = await Ngts.start({ conf: twoServers('v1'), files: { 'html/big.bin': Buffer.alloc(BIG, 'x') } });
  t.after(() => ngts.cleanup());
  const [old] = ngts.workerPids();
  const download = await slowDownload(files);

  ngts.writeFile('conf/nginx.conf', twoServers('v2'));
  ngts.signal('SIGHUP');
  await ngts.waitForLog(`[notice] ${old}#0: gracefully shutting down`);
  // The new generation serves, while the old worker still owes the slow reader its body.
  assert.equal((await request(api, '/')).body, 'v2');
  assert.ok(ngts.workerPids().includes(old));
  assert.doesNotMatch(ngts.logText(), new RegExp(`${old}#0: exiting`));

  download.res.resume();
  assert.equal(await download.done, 'end');
  assert.equal(download.received(), BIG);
  await ngts.waitForLog(`worker process ${old} exited with code 0`);
});

test('QUIT: a connection with half a request received is not idle: the request is served', async (t) => {
  const port = await freePort();
  const ngts = await Ngts.start({ conf: conf(port), files: { 'html/index.html': 'hi' } });
  t.after(() => ngts.cleanup());
  const [worker] = ngts.workerPids();
  // Connected first, so that its grace expires no later than the idle one's.
  const partial = new RawClient(port);
  partial.write('GET / HTTP/1.1\r\nHost: x\r\n');
  const idle = new RawClient(port);
  await Promise.all([partial.connected, idle.connected]);
  // A request on a third connection, answered: the worker accepted the two earlier ones (the
  // accept queue is FIFO). A connection still queued when QUIT closes the listening socket is
  // reset by the kernel — with nginx too; a reload does not close it, so loses none.
  assert.equal((await request(port, '/')).body, 'hi');
  assert.deepEqual([partial.endedBy, idle.endedBy], ['', '']);

  ngts.signal('SIGQUIT');
  await ngts.waitForLog(`[notice] ${worker}#0: gracefully shutting down`);
  // The silent connection is closed (a FIN, no error) once its grace is over...
  assert.equal(await idle.ended, 'end');
  assert.equal(idle.text, '');
  // ...the one with a request under way is still open, and its request is answered.
  assert.equal(partial.endedBy, '');
  assert.equal(partial.socket.readyState, 'open');
  partial.write('\r\n');
  assert.equal(await partial.ended, 'end');
  assert.match(partial.text, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(partial.text, /\r\nConnection: close\r\n/i);
  assert.deepEqual(await ngts.waitExit(), { code: 0, signal: null });
});
