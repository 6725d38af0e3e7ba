// Line ends in requests, through a real bin/ngts, over raw sockets. nginx (RFC 9112 §2.2) takes
// a bare LF for CRLF; ngts refuses it in requests, because Node 20's llhttp cannot accept it
// after the request line without also taking a bare CR for a line end (README, "Line ends";
// test/node-internals.test.ts pins that). What nginx refuses, ngts refuses with nginx's status
// and nginx's error-log line, recorded from Debian's nginx 1.22.1.
import { hasFullResponse, parseHead, rawExchange } from '../helpers/raw.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort, Ngts } from '../helpers/ngts.js';

const CLIENT = 'client: 127.0.0.1, server: ';
/** A static file large enough to be still streaming when the next pipelined request is read. */
const BIG = Buffer.alloc(4 << 20, 'b');

/** The statuses of every response in `text`, in order. */
function statuses(text: string): number[] {
  return [...text.matchAll(/^HTTP\/1\.1 (\d{3}) /gm)].map((m) => Number(m[1]));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('bare CR and LF in requests', () => {
  let ngts: Ngts;
  let port: number;

  before(async () => {
    port = await freePort();
    ngts = await Ngts.start({
      conf: `
        worker_processes 1;
        error_log logs/error.log info;
        events {}
        http {
          server {
            listen 127.0.0.1:${port};
            location / { return 200 "root\\n"; }
            location /big { root html; }
          }
        }`,
      files: { 'html/big.bin': BIG },
    });
  });
  after(() => ngts.cleanup());

  /** Sends `data` on a new connection; resolves when ngts closed it (or `until` holds). */
  async function exchange(data: string, until?: (text: string) => boolean): Promise<{ text: string; closed: boolean }> {
    return rawExchange(port, data, { until });
  }

  /** Sends `data`, expects one `status` answer on a closed connection and `logLine` at `level`. */
  async function refused(data: string, status: number, level: 'info' | 'error', logLine: string): Promise<void> {
    const mark = ngts.logMark();
    const r = await exchange(data);
    assert.ok(r.closed, 'connection closed');
    assert.deepEqual(statuses(r.text), [status]);
    assert.equal(parseHead(r.text).headers.get('connection'), 'close');
    const pattern = new RegExp(`\\[${level}\\] \\d+#0: \\*\\d+ ${escape(logLine)}$`);
    assert.match(await ngts.waitForLog(pattern, { after: mark }), pattern);
  }

  describe('what nginx refuses too: same status, same error-log line', () => {
    const cases: [string, string, number, 'info' | 'error', string][] = [
      ['a bare CR ending the request line', 'GET / HTTP/1.1\rHost: x\r\n\r\n', 400, 'info',
        `client sent invalid request while reading client request line, ${CLIENT}, request: "GET / HTTP/1.1"`],
      ['CR CR LF after the request line', 'GET / HTTP/1.1\r\r\nHost: x\r\n\r\n', 400, 'info',
        `client sent invalid request while reading client request line, ${CLIENT}, request: "GET / HTTP/1.1"`],
      ['a bare CR ending the Host line', 'GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n', 400, 'info',
        `client sent invalid header line: "Host: x\\x0d..." while reading client request headers, ${CLIENT}, request: "GET / HTTP/1.1"`],
      ['a bare CR inside a header value', 'GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n', 400, 'info',
        `client sent invalid header line: "X: a\\x0d..." while reading client request headers, ${CLIENT}, request: "GET / HTTP/1.1", host: "x"`],
      ['a bare CR in a header name', 'GET / HTTP/1.1\r\nHost: x\r\nX\r: a\r\n\r\n', 400, 'info',
        `client sent invalid header line: "X\\x0d..." while reading client request headers, ${CLIENT}, request: "GET / HTTP/1.1", host: "x"`],
      ['a bare CR ending the head', 'GET / HTTP/1.1\r\nHost: x\r\n\rGET / HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'info',
        `client sent invalid header line: "\\x0d..." while reading client request headers, ${CLIENT}, request: "GET / HTTP/1.1", host: "x"`],
      ['a bare CR after a chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\rabc\r\n0\r\n\r\n', 400, 'error',
        `client sent invalid chunked body, ${CLIENT}, request: "POST / HTTP/1.1", host: "x"`],
      ['Content-Length, then Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400, 'info',
        `client sent "Content-Length" and "Transfer-Encoding" headers at the same time while reading client request headers, ${CLIENT}, request: "POST / HTTP/1.1", host: "x"`],
      ['Transfer-Encoding, then Content-Length, Host last', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\nHost: x\r\n\r\n0\r\n\r\n', 400, 'info',
        `client sent "Content-Length" and "Transfer-Encoding" headers at the same time while reading client request headers, ${CLIENT}, request: "POST / HTTP/1.1", host: "x"`],
      ['a NUL byte in a header value', 'GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n', 400, 'info',
        `client sent invalid header line: "X: a\\x00..." while reading client request headers, ${CLIENT}, request: "GET / HTTP/1.1", host: "x"`],
      ['a NUL byte before Host', 'GET / HTTP/1.1\r\nX: a\x00b\r\nHost: x\r\n\r\n', 400, 'info',
        `client sent invalid header line: "X: a\\x00..." while reading client request headers, ${CLIENT}, request: "GET / HTTP/1.1"`],
      ['a space in a header name', 'GET / HTTP/1.1\r\nHost:   x  \r\nX Y: a\r\n\r\n', 400, 'info',
        `client sent invalid header line: "X\\x20..." while reading client request headers, ${CLIENT}, request: "GET / HTTP/1.1", host: "x"`],
    ];
    for (const [what, data, status, level, logLine] of cases) {
      it(`${what} → ${status}`, () => refused(data, status, level, logLine));
    }

    it('a bare CR on the second request of a keep-alive connection: the first is answered', async () => {
      const mark = ngts.logMark();
      const r = await exchange('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: y\r\nX: 1\r2\r\n\r\n');
      assert.deepEqual(statuses(r.text), [200, 400]);
      assert.ok(r.closed);
      await ngts.waitForLog(`client sent invalid header line: "X: 1\\x0d..." while reading client request headers, ${CLIENT}, request: "GET /b HTTP/1.1", host: "y"`, { after: mark });
    });

    it('behind a large response still being sent, the 400 comes after all of it', async () => {
      const r = await exchange('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: y\r\nX: 1\r2\r\n\r\n');
      assert.ok(r.closed);
      const first = parseHead(r.text);
      assert.equal(first.statusLine, 'HTTP/1.1 200 OK');
      assert.equal(first.body.slice(0, BIG.length), BIG.toString('latin1'));
      assert.equal(parseHead(first.body.slice(BIG.length)).statusLine, 'HTTP/1.1 400 Bad Request');
    });
  });

  describe('what nginx accepts and ngts refuses: a bare LF', () => {
    const cases: [string, string, string][] = [
      ['GET with bare LF everywhere', 'GET / HTTP/1.1\nHost: x\n\n',
        `client sent invalid request while reading client request line, ${CLIENT}, request: "GET / HTTP/1.1"`],
      ['HTTP/1.0 GET without headers', 'GET / HTTP/1.0\n\n',
        `client sent invalid request while reading client request line, ${CLIENT}, request: "GET / HTTP/1.0"`],
      ['POST with a body', 'POST / HTTP/1.1\nHost: x\nContent-Length: 3\n\nabc',
        `client sent invalid request while reading client request line, ${CLIENT}, request: "POST / HTTP/1.1"`],
      ['CRLF request line, then bare-LF header lines', 'GET / HTTP/1.1\r\nHost: x\nX-A: 1\r\n\n',
        `client sent invalid header line: "Host: x\\x0a..." while reading client request headers, ${CLIENT}, request: "GET / HTTP/1.1"`],
      ['CRLF header lines, then a bare LF ending the head', 'GET / HTTP/1.1\r\nHost: x\r\n\n',
        `client sent invalid header line: "\\x0a..." while reading client request headers, ${CLIENT}, request: "GET / HTTP/1.1", host: "x"`],
    ];
    for (const [what, data, logLine] of cases) {
      it(`${what} → 400`, () => refused(data, 400, 'info', logLine));
    }

    it('pipelined on a keep-alive connection: the CRLF request is answered, the bare-LF one refused', async () => {
      const mark = ngts.logMark();
      const r = await exchange('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\nHost: x\n\n');
      assert.deepEqual(statuses(r.text), [200, 400]);
      await ngts.waitForLog(`client sent invalid request while reading client request line, ${CLIENT}, request: "GET /b HTTP/1.1"`, { after: mark });
    });
  });

  it('CRLF requests pipelined on one connection are all served', async () => {
    const r = await exchange('GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n', (text) => statuses(text).length === 2 && hasFullResponse(text.slice(text.lastIndexOf('HTTP/1.1 '))));
    assert.deepEqual(statuses(r.text), [200, 200]);
    assert.equal(r.text.split('root\n').length - 1, 2);
  });
});
