// One probe against real sockets: the verdicts and their wording, and a master that exits at
// once even with a probe hanging on a silent peer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probe } from '../../src/health/probe.js';
import { Ngts, freePort } from '../helpers/ngts.js';
import { rawServer } from '../helpers/raw.js';

const http = (alive: number[] = [2, 3]) => ({ send: 'GET / HTTP/1.0\r\n\r\n', alive });

test('probe verdicts: refused, silent (timeout), closed early, garbage, a status split across packets', async (t) => {
  const refusedPort = await freePort();
  assert.deepEqual({ ...(await probe({ host: '127.0.0.1', port: refusedPort, timeout: 1000 })), ms: 0 },
    { ok: false, reason: 'connect() failed (111: Connection refused)', ms: 0 });

  const silent = await rawServer(() => {});
  t.after(() => silent.close());
  assert.equal((await probe({ host: '127.0.0.1', port: silent.port, timeout: 1000 })).ok, true, 'tcp: the connect is enough');
  const timedOut = await probe({ host: '127.0.0.1', port: silent.port, timeout: 150, http: http() });
  assert.equal(timedOut.reason, 'upstream timed out (110: Connection timed out) while reading check response');

  const closing = await rawServer((s) => s.end());
  t.after(() => closing.close());
  assert.equal((await probe({ host: '127.0.0.1', port: closing.port, timeout: 1000, http: http() })).reason,
    'upstream prematurely closed connection while reading check response');

  const garbage = await rawServer((s) => s.write('SSH-2.0-OpenSSH\r\n'));
  t.after(() => garbage.close());
  assert.equal((await probe({ host: '127.0.0.1', port: garbage.port, timeout: 1000, http: http() })).reason,
    'upstream sent an invalid status line "SSH-2.0-OpenSSH" to check');

  const split = await rawServer((s) => {
    s.once('data', () => {
      s.write('HTTP/1.1 3');
      setImmediate(() => s.write('01 Moved\r\nLocation: /x\r\n\r\n'));
    });
  });
  t.after(() => split.close());
  const moved = await probe({ host: '127.0.0.1', port: split.port, timeout: 1000, http: http() });
  assert.deepEqual([moved.ok, moved.reason], [true, 'status 301']);
  const movedNotAlive = await probe({ host: '127.0.0.1', port: split.port, timeout: 1000, http: http([2]) });
  assert.deepEqual([movedNotAlive.ok, movedNotAlive.reason], [false, 'status 301 is not alive']);
});

test('the master exits at once on TERM even while a probe waits on a silent peer', async (t) => {
  const silent = await rawServer(() => {});
  t.after(() => silent.close());
  const ngts = await Ngts.start({
    conf: `events {}
http {
    upstream slow {
        server 127.0.0.1:${silent.port};
        check interval=1000 timeout=600000 type=http;
    }
    server { listen 127.0.0.1:${await freePort()}; }
}
`,
  });
  t.after(() => ngts.cleanup());
  ngts.signal('SIGTERM');
  const status = await ngts.waitExit(); // the harness's limit (15 s) is far below the probe's 600 s
  assert.equal(status.code, 0);
});
