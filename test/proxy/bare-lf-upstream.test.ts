// Upstreams that end their lines with a bare LF, through a real bin/ngts: proxied as nginx
// proxies them (RFC 9112 §2.2), on fresh and on kept-alive upstream connections. A backend that
// sends a bare CR or an invalid header byte still gets 502 with nginx's error-log line (recorded
// from Debian's nginx 1.22.1). The backend is a raw `net` server answering from a table.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { freePort, Ngts } from '../helpers/ngts.js';

const REPLIES: Record<string, string> = {
  '/lf': 'HTTP/1.1 200 OK\nContent-Type: text/plain\nContent-Length: 6\nX-Up: lf\n\nhello\n',
  '/mixed': 'HTTP/1.1 200 OK\r\nContent-Length: 6\nX-Up: mixed\r\n\nhello\n',
  '/no-reason': 'HTTP/1.1 201\nContent-Length: 6\n\nhello\n',
  '/http10-close': 'HTTP/1.0 200 OK\nX-Up: close\n\nhello\n',
  '/no-content': 'HTTP/1.1 204 No Content\nX-Up: empty\n\n',
  '/bare-cr': 'HTTP/1.1 200 OK\r\nContent-Length: 6\rX-Up: cr\r\n\r\nhello\n',
  '/nul': 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\nX: a\x00b\r\n\r\nhello\n',
  '/space-in-name': 'HTTP/1.1 200 OK\r\nContent-Length: 6\r\nX Y: 1\r\n\r\nhello\n',
  '/lf-chunked': 'HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n6\nhello\n\n0\n\n',
};

/** Closes the connection after the reply unless it says how long it is and the request keeps alive. */
function closesAfter(reply: string, request: string): boolean {
  return (!/\ncontent-length:/i.test(reply) && !reply.startsWith('HTTP/1.1 204')) || /\r\nconnection: close\r\n/i.test(request);
}

describe('bare-LF responses from upstreams', () => {
  let ngts: Ngts;
  let port: number;
  let backendPort: number;
  let backend: net.Server;
  /** Connections the backend accepted. */
  let accepted = 0;

  before(async () => {
    backend = net.createServer((socket) => {
      accepted++;
      let pending = '';
      socket.on('data', (d) => {
        pending += d.toString('latin1');
        for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
          const request = pending.slice(0, end + 4);
          pending = pending.slice(end + 4);
          const target = request.split(' ')[1].replace(/^\/(k|p)/, '');
          const reply = REPLIES[target] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n';
          if (closesAfter(reply, request)) socket.end(reply, 'latin1');
          else socket.write(reply, 'latin1');
        }
      });
      socket.on('error', () => {});
    });
    backendPort = await new Promise<number>((resolve) => backend.listen(0, '127.0.0.1', () => resolve((backend.address() as net.AddressInfo).port)));
    port = await freePort();
    ngts = await Ngts.start({
      conf: `
        worker_processes 1;
        error_log logs/error.log info;
        events {}
        http {
          upstream kept { server 127.0.0.1:${backendPort}; keepalive 4; }
          server {
            listen 127.0.0.1:${port};
            location /p/ { proxy_pass http://127.0.0.1:${backendPort}/; }
            location /k/ { proxy_pass http://kept/; proxy_http_version 1.1; proxy_set_header Connection ""; }
          }
        }`,
    });
  });
  after(async () => {
    await ngts.cleanup();
    backend.close();
  });

  function get(path: string, agent: http.Agent | false = false): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    return new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', (c: string) => { body += c; });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        res.on('error', reject);
      }).on('error', reject);
    });
  }

  it('bare LF everywhere: status, headers and body passed on', async () => {
    const r = await get('/p/lf');
    assert.deepEqual([r.status, r.headers['content-type'], r.headers['x-up'], r.body], [200, 'text/plain', 'lf', 'hello\n']);
  });

  it('CRLF and bare LF mixed', async () => {
    const r = await get('/p/mixed');
    assert.deepEqual([r.status, r.headers['x-up'], r.body], [200, 'mixed', 'hello\n']);
  });

  it('a status line without a reason phrase', async () => {
    const r = await get('/p/no-reason');
    assert.deepEqual([r.status, r.body], [201, 'hello\n']);
  });

  it('HTTP/1.0, the body ending with the connection', async () => {
    const r = await get('/p/http10-close');
    assert.deepEqual([r.status, r.headers['x-up'], r.body], [200, 'close', 'hello\n']);
  });

  it('kept-alive upstream connections: each bare-LF response ends where it should', async () => {
    const before = accepted;
    const client = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const path of ['/k/lf', '/k/no-content', '/k/mixed', '/k/lf']) {
        const r = await get(path, client);
        assert.equal(r.status, path === '/k/no-content' ? 204 : 200, path);
        assert.equal(r.body, path === '/k/no-content' ? '' : 'hello\n', path);
      }
    } finally {
      client.destroy();
    }
    assert.equal(accepted - before, 1, 'one upstream connection for the four requests');
  });

  const invalid: [string, string, string][] = [
    ['a bare CR ending a header line', '/bare-cr', 'upstream sent invalid header: "Content-Length: 6\\x0d..."'],
    ['a NUL byte in a header value', '/nul', 'upstream sent invalid header: "X: a\\x00..."'],
    ['a space in a header name', '/space-in-name', 'upstream sent invalid header: "X\\x20..."'],
  ];
  for (const [what, path, message] of invalid) {
    it(`${what}: 502 and nginx's error-log line`, async () => {
      const mark = ngts.logMark();
      const r = await get(`/p${path}`);
      assert.equal(r.status, 502);
      const context = `client: 127.0.0.1, server: , request: "GET /p${path} HTTP/1.1", upstream: "http://127.0.0.1:${backendPort}${path}", host: "127.0.0.1:${port}"`;
      const found = await ngts.waitForLog(`${message} while reading response header from upstream, ${context}`, { after: mark });
      assert.match(found, /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[error\] \d+#0: \*\d+ upstream sent invalid header: "/);
      assert.ok(found.endsWith(context));
    });
  }

  it('bare-LF chunk lines are not taken (llhttp cannot): the connection is cut, nginx\'s line for a bad chunked body', async () => {
    const mark = ngts.logMark();
    await assert.rejects(get('/p/lf-chunked'));
    await ngts.waitForLog(`upstream sent invalid chunked response while reading upstream, client: 127.0.0.1, server: , request: "GET /p/lf-chunked HTTP/1.1"`, { after: mark });
  });
});
