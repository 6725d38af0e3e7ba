// A real bin/ngts on a Node that lacks the private APIs of src/node-internals.ts, simulated with
// NGTS_NODE_INTERNALS_OFF: the optional ones fall back (the proxy's headers are the same bytes
// without _storeHeader; static files and proxying work without any of them), the required ones
// stop the start with an [emerg] that names them.
import { request as get } from './helpers/http-client.js';
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { freePort, Ngts } from './helpers/ngts.js';
import { backend, type Backend } from './proxy/helpers.js';

const OPTIONAL = 'fsStatBinding,storeHeader,outHeaders,keepAliveTimeout,headerText,httpMessage,serverConnections,agentKeepAlive,parserLeniency';

interface Seen {
  line: string;
  rawHeaders: string[];
}

function conf(port: number, backendPort: number): string {
  return `
    worker_processes 1;
    events {}
    http {
      server {
        listen 127.0.0.1:${port};
        root html;
        location /p/ {
          proxy_pass http://127.0.0.1:${backendPort}/;
          proxy_set_header X-Real-IP $remote_addr;
          proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }
        location /p11/ {
          proxy_pass http://127.0.0.1:${backendPort}/;
          proxy_http_version 1.1;
          proxy_set_header X-Real-IP $remote_addr;
        }
      }
    }`;
}

describe('ngts without Node\'s private APIs', () => {
  let upstream: Backend;
  const seen: Seen[] = [];

  before(async () => {
    upstream = await backend((req, res) => {
      seen.push({ line: `${req.method} ${req.url} HTTP/${req.httpVersion}`, rawHeaders: req.rawHeaders });
      req.resume();
      req.on('end', () => res.end('from upstream'));
    });
  });
  after(() => upstream.close());

  async function startWith(off: string | undefined): Promise<{ ngts: Ngts; port: number }> {
    const port = await freePort();
    const ngts = await Ngts.start({
      conf: conf(port, upstream.port),
      files: { 'html/index.html': 'static\n' },
      env: off === undefined ? undefined : { NGTS_NODE_INTERNALS_OFF: off },
    });
    return { ngts, port };
  }

  /** What the upstream saw for one proxied request with a few client headers. */
  async function proxied(port: number, path: string): Promise<Seen> {
    const count = seen.length;
    const r = await get(port, path, { headers: { 'X-Client': 'one', Cookie: ['a=1', 'b=2'] as unknown as string, 'User-Agent': 'test' } });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'from upstream');
    assert.equal(seen.length, count + 1);
    return seen[count];
  }

  it('without _storeHeader the proxy sends the same headers, one by one', async (t) => {
    const normal = await startWith(undefined);
    t.after(() => normal.ngts.cleanup());
    const fallback = await startWith('storeHeader');
    t.after(() => fallback.ngts.cleanup());
    const viaList = await proxied(normal.port, '/p11/x');
    const viaSetHeader = await proxied(fallback.port, '/p11/x');
    assert.deepEqual(viaSetHeader, viaList);
    const headers = new Map<string, string>();
    for (let i = 0; i < viaSetHeader.rawHeaders.length; i += 2) headers.set(viaSetHeader.rawHeaders[i].toLowerCase(), viaSetHeader.rawHeaders[i + 1]);
    assert.equal(headers.get('host'), `127.0.0.1:${upstream.port}`);
    assert.equal(headers.get('x-real-ip'), '127.0.0.1');
    assert.equal(headers.get('x-client'), 'one');
    assert.equal(headers.get('cookie'), 'a=1; b=2');
    // proxy_http_version 1.0: node's client writes its own request line without _storeHeader.
    assert.equal((await proxied(normal.port, '/p/y')).line, 'GET /y HTTP/1.0');
    const line10 = await proxied(fallback.port, '/p/y');
    assert.equal(line10.line, 'GET /y HTTP/1.1');
    assert.ok(line10.rawHeaders.includes('X-Forwarded-For'));
  });

  it('without any optional one, static files and the proxy still answer', async (t) => {
    const { ngts, port } = await startWith(OPTIONAL);
    t.after(() => ngts.cleanup());
    const file = await get(port, '/index.html');
    assert.equal(file.status, 200);
    assert.equal(file.body, 'static\n');
    assert.match(String(file.headers.etag), /^"[0-9a-f]+-7"$/);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    t.after(() => agent.destroy());
    for (let i = 0; i < 3; i++) assert.equal((await get(port, '/p/z', { agent })).body, 'from upstream');
  });

  it('without a required one, the start fails with an [emerg] naming it', async (t) => {
    const port = await freePort();
    const ngts = await Ngts.start({ conf: conf(port, upstream.port), env: { NGTS_NODE_INTERNALS_OFF: 'createServerHandle,agentAddRequest' }, waitReady: false });
    t.after(() => ngts.cleanup());
    const exit = await ngts.waitExit();
    assert.equal(exit.code, 1);
    assert.match(ngts.stderr.join(''), new RegExp(`ngts: \\[emerg\\] ngts needs net\\._createServerHandle\\(\\), http\\.Agent\\.prototype\\.addRequest\\(\\) of Node\\.js, which ${process.version.replace(/\./g, '\\.')} does not have\\n`));
  });
});
