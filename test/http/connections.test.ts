// Malformed requests over raw sockets, header limits, keep-alive limits and timeouts: nginx's
// answers, the connection closed, and the server unharmed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hasFullResponse, parseHead, RawClient } from '../helpers/raw.js';
import { waitFor } from '../helpers/wait.js';
import { builtinPage, startSite, VERSION, type Site } from './harness.js';

// nginx's ngx_http_error_494_page, recorded from nginx 1.22 (signature replaced).
const TOO_LARGE_PAGE = '<html>\r\n<head><title>400 Request Header Or Cookie Too Large</title></head>\r\n<body>\r\n'
  + '<center><h1>400 Bad Request</h1></center>\r\n<center>Request Header Or Cookie Too Large</center>\r\n'
  + `<hr><center>ngts/${VERSION}</center>\r\n</body>\r\n</html>\r\n`;

describe('malformed requests', () => {
  let site: Site;
  before(async () => {
    site = await startSite(`
      large_client_header_buffers 4 1k;
      server { listen 127.0.0.1:8080; server_name localhost; location / { return 200 "ok"; } }
    `);
  });
  after(() => site.close());

  const cases: [string, string, string][] = [
    ['bad request line', 'FOO\r\n\r\n', '400 Bad Request'],
    ['lowercase method', 'get / HTTP/1.1\r\nHost: x\r\n\r\n', '400 Bad Request'],
    ['space in the URI', 'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n', '400 Bad Request'],
    ['OPTIONS *', 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n', '400 Bad Request'],
    ['HTTP/0.9', 'GET /\r\n\r\n', '400 Bad Request'],
    ['HTTP/2.0 in an HTTP/1 request line', 'GET / HTTP/2.0\r\nHost: x\r\n\r\n', '505 HTTP Version Not Supported'],
    ['control character in a header name', 'GET / HTTP/1.1\r\nHost: x\r\nFo\x01o: x\r\n\r\n', '400 Bad Request'],
    ['invalid Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', '400 Bad Request'],
    ['Content-Length with Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', '400 Bad Request'],
    ['unknown Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n', '501 Not Implemented'],
    ['CONNECT', 'CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n', '400 Bad Request'],
    ['bad chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n', '400 Bad Request'],
  ];
  for (const [what, data, status] of cases) {
    it(`${what} → ${status}, connection closed`, async () => {
      const r = await site.raw(data);
      assert.ok(r.closed, 'connection closed');
      const head = parseHead(r.text);
      assert.equal(head.statusLine, `HTTP/1.1 ${status}`);
      assert.equal(head.headers.get('connection'), 'close');
      assert.equal(head.headers.get('server')?.startsWith('ngts/'), true);
      assert.equal(head.body, builtinPage(status));
    });
  }

  it('error-log lines in nginx\'s words, with the request when there is one', async () => {
    const log = site.read('logs/error.log');
    assert.match(log, /\[error\] \d+#0: \*\d+ client sent invalid chunked body, client: 127\.0\.0\.1, server: localhost, request: "POST \/ HTTP\/1\.1", host: "x"/);
    assert.match(log, /\[info\] \d+#0: \*\d+ client sent invalid method while reading client request line, client: 127\.0\.0\.1, server: localhost, request: "get \/ HTTP\/1\.1"/);
    assert.match(log, /client sent unknown "Transfer-Encoding": "gzip" while reading client request headers, client: 127\.0\.0\.1, server: localhost, request: "POST \/ HTTP\/1\.1", host: "x"/);
  });

  it('a request line longer than a large buffer: 414', async () => {
    const r = await site.raw(`GET /${'a'.repeat(1100)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const head = parseHead(r.text);
    assert.equal(head.statusLine, 'HTTP/1.1 414 Request-URI Too Large');
    assert.equal(head.body, builtinPage('414 Request-URI Too Large'));
    assert.ok(r.closed);
  });

  it('a request line beyond all buffers (node\'s own limit): 414 as well', async () => {
    const r = await site.raw(`GET /${'a'.repeat(5000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.equal(parseHead(r.text).statusLine, 'HTTP/1.1 414 Request-URI Too Large');
  });

  it('a header line longer than a buffer: 400 "Request Header Or Cookie Too Large"', async () => {
    const r = await site.raw(`GET / HTTP/1.1\r\nHost: x\r\nCookie: ${'c'.repeat(1100)}\r\n\r\n`);
    const head = parseHead(r.text);
    assert.equal(head.statusLine, 'HTTP/1.1 400 Bad Request');
    assert.equal(head.body, TOO_LARGE_PAGE);
    assert.ok(r.closed);
  });

  it('headers beyond all buffers together: 400 "Request Header Or Cookie Too Large"', async () => {
    const lines = Array.from({ length: 6 }, (_, i) => `X-${i}: ${'v'.repeat(900)}\r\n`).join('');
    const r = await site.raw(`GET / HTTP/1.1\r\nHost: x\r\n${lines}\r\n`);
    const head = parseHead(r.text);
    assert.equal(head.statusLine, 'HTTP/1.1 400 Bad Request');
    assert.equal(head.body, TOO_LARGE_PAGE);
  });

  it('the server still answers after all of the above', async () => {
    const r = await site.get('/', { headers: { Host: 'localhost' } });
    assert.equal(r.body, 'ok');
  });
});

describe('keep-alive and timeouts', () => {
  let site: Site;
  before(async () => {
    site = await startSite(`
      client_header_timeout 1s;
      keepalive_requests 2;
      server {
        listen 127.0.0.1:8080;
        location / { return 200 "ok"; }
        location /short { keepalive_timeout 200ms; return 200 "short"; }
        location /nokeep { keepalive_timeout 0; return 200 "nokeep"; }
        location /kah { keepalive_timeout 60s 30s; return 200 "kah"; }
        location /big { send_timeout 300ms; root {{dir}}; }
      }
    `, { 'big/file.bin': 'x'.repeat(32 * 1024 * 1024) });
  });
  after(() => site.close());

  it('keeps the connection alive, without node\'s Keep-Alive header', async () => {
    const r = await site.raw('GET / HTTP/1.1\r\nHost: x\r\n\r\n', { until: hasFullResponse });
    const head = parseHead(r.text);
    assert.equal(head.headers.get('connection'), 'keep-alive');
    assert.equal(head.headers.has('keep-alive'), false);
    assert.equal(r.closed, false);
  });

  it('keepalive_timeout with a header timeout sends "Keep-Alive: timeout=N"', async () => {
    const r = await site.raw('GET /kah HTTP/1.1\r\nHost: x\r\n\r\n', { until: hasFullResponse });
    assert.equal(parseHead(r.text).headers.get('keep-alive'), 'timeout=30');
  });

  it('keepalive_requests 2: the second response closes the connection', async () => {
    const r = await site.raw('GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.ok(r.closed);
    const responses = r.text.split('HTTP/1.1 200 OK').length - 1;
    assert.equal(responses, 2);
    assert.match(r.text, /Connection: keep-alive[\s\S]*Connection: close/);
  });

  it('keepalive_timeout 0 closes after the response', async () => {
    const r = await site.raw('GET /nokeep HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.ok(r.closed);
    assert.equal(parseHead(r.text).headers.get('connection'), 'close');
  });

  it('an idle keep-alive connection is closed after the location\'s keepalive_timeout', async () => {
    const r = await site.raw('GET /short HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.ok(r.closed);
    assert.equal(parseHead(r.text).body, 'short');
  });

  it('a draining worker answers with Connection: close', async () => {
    site.draining = true;
    try {
      const r = await site.raw('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      assert.ok(r.closed);
      assert.equal(parseHead(r.text).headers.get('connection'), 'close');
    } finally {
      site.draining = false;
    }
  });

  it('slowloris: a header trickling in is cut off at client_header_timeout, others are served', async () => {
    const client = new RawClient(site.port());
    await client.connected;
    client.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => { if (client.endedBy === '') client.write('X-A: b\r\n'); }, 100);
    try {
      const other = await site.get('/', { headers: { Host: 'x' } });
      assert.equal(other.body, 'ok');
      await waitFor(() => client.endedBy !== '', 'the slow connection to be closed', 10_000);
      assert.equal(client.text, '', 'nginx closes without a response');
    } finally {
      clearInterval(trickle);
      client.destroy();
    }
  });

  it('send_timeout: a client that stops reading is disconnected', async () => {
    const server = site.runtime.servers[0].server;
    const connections = () => new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n)));
    const client = new RawClient(site.port(), { countOnly: true });
    await client.connected;
    client.write('GET /big/file.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    client.socket.pause();
    try {
      // The server gives up on the stalled connection…
      await waitFor(async () => (await connections()) === 0, 'the stalled connection to be closed', 10_000);
      // …and the client, reading again, gets the end of a truncated response.
      client.socket.resume();
      await waitFor(() => client.endedBy !== '', 'the end of the truncated response', 10_000);
      assert.ok(client.received < 32 * 1024 * 1024, `received ${client.received} bytes`);
    } finally {
      client.destroy();
    }
  });
});
