// Requests with "Upgrade" go through the same phases: served as plain requests (then closed)
// unless a content handler — the proxy's WebSocket path — takes the socket.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HTTP_MODULES } from '../../src/http/module-list.js';
import { DECLINED, DONE, defineHttpModule, Phase } from '../../src/http/module.js';
import { parseHead } from '../helpers/raw.js';
import { startSite, type Site } from './harness.js';

// A stand-in for the proxy: a content-phase module that takes upgrade requests in locations
// named /ws/ and echoes what follows.
const echoUpgrade = defineHttpModule<true>({
  name: 'echo_upgrade',
  compileLevel: ({ location }) => (location?.pattern === '/ws/' ? true : undefined),
  phases: {
    [Phase.CONTENT](r) {
      if (r.upgradeHead === undefined) return DECLINED;
      r.status = 101;
      r.socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\nX-Uri: ${r.uri}\r\n\r\n`);
      r.socket.write(r.upgradeHead);
      r.socket.on('data', (d: Buffer) => r.socket.write(d));
      r.socket.on('end', () => r.socket.end());
      return DONE;
    },
  },
});
// Before the worker's content-phase modules, as the proxy's content handler would be.
const MODULES = [echoUpgrade, ...HTTP_MODULES];

describe('Upgrade requests', () => {
  let site: Site;
  before(async () => {
    site = await startSite(`
      server {
        listen 127.0.0.1:8080;
        location / { return 200 "plain"; }
        location /ws/ { }
        location /gone { return 444; }
      }
    `, {}, MODULES);
  });
  after(() => site.close());

  it('a location that does not take the upgrade answers normally and closes', async () => {
    const r = await site.raw('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    assert.ok(r.closed);
    const head = parseHead(r.text);
    assert.equal(head.statusLine, 'HTTP/1.1 200 OK');
    assert.equal(head.headers.get('connection'), 'close');
    assert.equal(head.body, 'plain');
  });

  it('a content handler gets the location, the socket and the bytes after the head', async () => {
    const r = await site.raw('GET /ws/chat HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nearly-bytes', {
      until: (t) => t.includes('early-bytes'),
    });
    const head = parseHead(r.text);
    assert.equal(head.statusLine, 'HTTP/1.1 101 Switching Protocols');
    assert.equal(head.headers.get('x-uri'), '/ws/chat');
    assert.equal(head.body, 'early-bytes');
  });

  it('return 444 closes an upgrade request too', async () => {
    const r = await site.raw('GET /gone HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    assert.ok(r.closed);
    assert.equal(r.text, '');
  });

  it('upgrade requests are logged', async () => {
    const log = site.read('logs/access.log');
    assert.match(log, /"GET \/ HTTP\/1\.1" 200 5 /);
    assert.match(log, /"GET \/gone HTTP\/1\.1" 444 0 /);
  });
});
