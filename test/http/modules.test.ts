// The module architecture through the real runtime: the ordered module list, per-level phase
// steps (a module not configured at a level is never called there), the ACCESS phase under
// `satisfy all|any`, an asynchronous phase handler, and a body filter installed by a header
// filter that transforms static and proxied bodies alike.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { configModules } from '../../src/config/directives/index.js';
import { HTTP_MODULES } from '../../src/http/module-list.js';
import { DONE, OK, Phase, defineHttpModule } from '../../src/http/module.js';
import { startSite, type Site } from './harness.js';

describe('the module list', () => {
  it('orders the content phase as nginx: index, autoindex, static; filters after content', () => {
    const names = HTTP_MODULES.map((m) => m.name);
    assert.deepEqual(names, ['rewrite', 'try_files', 'proxy', 'check_status', 'stub_status', 'index', 'autoindex', 'static', 'headers']);
  });

  it('gives every module its own id (its typed slots never collide)', () => {
    const ids = HTTP_MODULES.map((m) => m.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('declares each loc_conf field and each directive row in exactly one config module', () => {
    const fieldOwner = new Map<string, string>();
    for (const m of configModules) {
      for (const key of Object.keys(m.fields)) {
        assert.equal(fieldOwner.get(key), undefined, `field ${key} declared by ${fieldOwner.get(key)} and ${m.name}`);
        fieldOwner.set(key, m.name);
      }
    }
    const rows = new Set<string>();
    for (const m of configModules) {
      for (const d of m.directives) {
        const key = `${d.name} ${d.contexts.join(',')}`;
        assert.ok(!rows.has(key), `directive ${key} listed twice`);
        rows.add(key);
      }
    }
  });
});

/** Counts the calls of each test module's handler, to show where it runs. */
const calls = { a: 0, b: 0, wait: 0 };

/** An access module configured in /a/ and /ab-*: grants with X-A: yes, else 403. */
const accessA = defineHttpModule<true>({
  name: 'test_access_a',
  compileLevel: ({ location }) => (location !== undefined && /^\/(a|ab-all|ab-any)\/$/.test(location.pattern) ? true : undefined),
  phases: {
    [Phase.ACCESS](r) {
      calls.a++;
      return r.req.headers['x-a'] === 'yes' ? OK : 403;
    },
  },
});

/** Configured in /ab-*: grants with X-B: yes, else 401. */
const accessB = defineHttpModule<true>({
  name: 'test_access_b',
  compileLevel: ({ location }) => (location !== undefined && /^\/(ab-all|ab-any)\/$/.test(location.pattern) ? true : undefined),
  phases: {
    [Phase.ACCESS](r) {
      calls.b++;
      return r.req.headers['x-b'] === 'yes' ? OK : 401;
    },
  },
});

/** A PREACCESS handler that goes on asynchronously (as a limiter or a lookup would). */
const slowPreaccess = defineHttpModule<true>({
  name: 'test_wait',
  compileLevel: ({ location }) => (location?.pattern === '/wait/' ? true : undefined),
  phases: {
    [Phase.PREACCESS](r, _state, core) {
      calls.wait++;
      setTimeout(() => core.continuePhases(r), 20);
      return DONE;
    },
  },
});

/**
 * A body filter: where the location is named /upper…, text/plain bodies are upper-cased. The
 * header filter drops Content-Length (the length the content handler knew is not the client's).
 */
const upper = defineHttpModule<true>({
  name: 'test_upper',
  compileLevel: ({ location }) => (location?.pattern.startsWith('/upper') ? true : undefined),
  headerFilter(_r, res) {
    if (!String(res.getHeader('Content-Type') ?? '').startsWith('text/plain')) return;
    res.removeHeader('Content-Length');
    res.setHeader('X-Filtered', 'upper');
    res.addBodyFilter(new Transform({
      transform(chunk: Buffer, _enc, done) {
        done(null, Buffer.from(chunk.toString('latin1').toUpperCase(), 'latin1'));
      },
    }));
  },
});

const BIG = 'abcdefghij'.repeat(200_000); // 2 MB: streamed by the static module with backpressure

describe('phases and filters of modules through the real runtime', () => {
  let site: Site;
  let backend: http.Server;
  before(async () => {
    backend = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '14' });
      res.end('from upstream\n');
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const port = (backend.address() as AddressInfo).port;
    site = await startSite(`
      types { text/plain txt; text/html html; }
      server {
        listen 127.0.0.1:8080;
        root {{dir}}/www;
        location /plain/ { }
        location /a/ { }
        location /ab-all/ { }
        location /ab-any/ { satisfy any; }
        location /wait/ { }
        location /upper/ { }
        location /upper-proxy/ { proxy_pass http://127.0.0.1:${port}/; }
      }
    `, {
      'www/plain/x.txt': 'hello\n',
      'www/a/x.txt': 'a\n',
      'www/ab-all/x.txt': 'ab\n',
      'www/ab-any/x.txt': 'ab\n',
      'www/wait/x.txt': 'waited\n',
      'www/upper/x.txt': 'hello filter\n',
      'www/upper/big.txt': BIG,
      'www/upper/page.html': '<p>html</p>\n',
    }, [accessA, accessB, slowPreaccess, upper, ...HTTP_MODULES]);
  });
  after(async () => {
    await site.close();
    await new Promise<void>((resolve) => backend.close(() => resolve()));
  });

  it('a location where an access module is not configured never calls it', async () => {
    const before = { ...calls };
    const r = await site.get('/plain/x.txt');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'hello\n');
    assert.deepEqual(calls, before);
  });

  it('one access module: its refusal is the answer, its grant lets the request through', async () => {
    assert.equal((await site.get('/a/x.txt')).status, 403);
    const ok = await site.get('/a/x.txt', { headers: { 'X-A': 'yes' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body, 'a\n');
  });

  it('satisfy all: every access module must grant; the first refusal answers', async () => {
    assert.equal((await site.get('/ab-all/x.txt')).status, 403);
    assert.equal((await site.get('/ab-all/x.txt', { headers: { 'X-A': 'yes' } })).status, 401);
    assert.equal((await site.get('/ab-all/x.txt', { headers: { 'X-B': 'yes' } })).status, 403);
    assert.equal((await site.get('/ab-all/x.txt', { headers: { 'X-A': 'yes', 'X-B': 'yes' } })).status, 200);
  });

  it('satisfy any: one grant suffices and ends the phase; all refusing answers 401 over 403', async () => {
    const b0 = calls.b;
    assert.equal((await site.get('/ab-any/x.txt', { headers: { 'X-A': 'yes' } })).status, 200);
    assert.equal(calls.b, b0, 'the grant of the first module ended the access phase');
    assert.equal((await site.get('/ab-any/x.txt', { headers: { 'X-B': 'yes' } })).status, 200);
    assert.equal((await site.get('/ab-any/x.txt')).status, 401);
  });

  it('an asynchronous phase handler resumes the phases after it', async () => {
    const w0 = calls.wait;
    const r = await site.get('/wait/x.txt');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'waited\n');
    assert.equal(calls.wait, w0 + 1);
  });

  it('a body filter transforms a static file; other types and locations pass untouched', async () => {
    const r = await site.get('/upper/x.txt');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'HELLO FILTER\n');
    assert.equal(r.headers['x-filtered'], 'upper');
    assert.equal(r.headers['content-length'], undefined);
    assert.equal(r.headers['transfer-encoding'], 'chunked');
    const html = await site.get('/upper/page.html');
    assert.equal(html.body, '<p>html</p>\n');
    assert.equal(html.headers['content-length'], '12');
    const plain = await site.get('/plain/x.txt');
    assert.equal(plain.body, 'hello\n');
    assert.equal(plain.headers['content-length'], '6');
  });

  it('a body filter sees a large streamed file whole, in order', async () => {
    const r = await site.get('/upper/big.txt');
    assert.equal(r.status, 200);
    assert.equal(r.body.length, BIG.length);
    assert.equal(r.body, BIG.toUpperCase());
  });

  it('a body filter transforms a proxied response the same way', async () => {
    const r = await site.get('/upper-proxy/anything');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'FROM UPSTREAM\n');
    assert.equal(r.headers['x-filtered'], 'upper');
  });

  it('HEAD through a body filter: headers only', async () => {
    const r = await site.get('/upper/x.txt', { method: 'HEAD' });
    assert.equal(r.status, 200);
    assert.equal(r.body, '');
    assert.equal(r.headers['x-filtered'], 'upper');
  });
});


