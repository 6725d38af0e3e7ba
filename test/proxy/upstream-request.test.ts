// The exact request nginx 1.22 sends upstream, recorded from Debian's nginx with the same
// configuration and client requests (a raw backend captured the bytes), encoded as expected
// values. The client talks over a raw socket so every byte is under the test's control.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { RawClient } from '../helpers/raw.js';
import { front, listen, type Front } from './helpers.js';

let heads: string[] = [];
let upstream: net.Server;
let port = 0;
let f: Front;

before(async () => {
  upstream = net.createServer((s) => {
    let buf = '';
    s.on('data', (d) => {
      buf += d;
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = /content-length: (\d+)/i.exec(buf.slice(0, end));
      if (length && buf.length < end + 4 + Number(length[1])) return;
      if (/transfer-encoding: chunked/i.test(buf.slice(0, end)) && !buf.endsWith('0\r\n\r\n')) return;
      heads.push(buf);
      s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
    });
    s.on('error', () => {});
  });
  port = await listen(upstream);
  f = await front(`http { server {
    location / { proxy_pass http://127.0.0.1:${port}; }
    location /set/ { proxy_set_header X-Real-IP $remote_addr; proxy_set_header Host $host; proxy_pass http://127.0.0.1:${port}; }
    location /v11/ { proxy_http_version 1.1; proxy_pass http://127.0.0.1:${port}; }
    location /nohost/ { proxy_set_header Host ""; proxy_pass http://127.0.0.1:${port}; }
    location /ctl/ { proxy_set_header X-Uri $uri; proxy_pass http://127.0.0.1:${port}; }
  } }`);
});
after(async () => {
  await f.close();
  await new Promise<void>((r) => upstream.close(() => r()));
});

/** Sends `request` raw, waits for the response, returns what the upstream received. */
async function through(request: string): Promise<string> {
  heads = [];
  const client = new RawClient(f.port);
  client.write(request);
  await client.waitForText((response) => response.endsWith('ok'), 'the response');
  client.destroy();
  assert.equal(heads.length, 1);
  return heads[0];
}

test('default headers: Host $proxy_host, Connection close, hop-by-hop dropped, HTTP/1.0, URI unchanged', async () => {
  const got = await through('GET /a//b%2Fc?x=1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n'
    + 'Keep-Alive: 5\r\nTE: trailers\r\nX-Custom: a\r\nProxy-Connection: keep\r\nTrailer: X-Foo\r\nUpgrade: h2c\r\n\r\n');
  // nginx also passes "Trailer: X-Foo" here; ngts drops it without a chunked body (node's client
  // throws on it otherwise).
  assert.equal(got, `GET /a//b%2Fc?x=1 HTTP/1.0\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nX-Custom: a\r\nProxy-Connection: keep\r\n\r\n`);
});

test('proxy_set_header first, then the defaults left, then the client\'s headers', async () => {
  const got = await through('GET /set/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nX-Custom: a\r\n\r\n');
  assert.equal(got, 'GET /set/ HTTP/1.0\r\nX-Real-IP: 127.0.0.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nX-Custom: a\r\n\r\n');
});

test('a repeated client header goes at its first place with every value; names differing in case replace', async () => {
  const got = await through('GET /dup HTTP/1.1\r\nHost: h\r\nX-Dup: 1\r\nX-Other: o\r\nX-Dup: 2\r\nx-dup: 3\r\n\r\n');
  assert.equal(await through('GET /dup HTTP/1.1\r\nHost: h\r\nX-Dup: 1\r\nX-Other: o\r\nX-Dup: 2\r\n\r\n'),
    `GET /dup HTTP/1.0\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nX-Dup: 1\r\nX-Dup: 2\r\nX-Other: o\r\n\r\n`);
  // nginx keeps each line where it came. node's client stores a name's values together, by the
  // name in lower case: "x-dup" (another entry as written) takes X-Dup's place with its value.
  assert.equal(got, `GET /dup HTTP/1.0\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nx-dup: 3\r\nX-Other: o\r\n\r\n`);
});

test('repeated Cookie lines go as one, joined with "; "', async () => {
  const got = await through('GET /c HTTP/1.1\r\nHost: h\r\nCookie: a=1\r\nX-Mid: m\r\nCookie: b=2\r\n\r\n');
  assert.equal(got, `GET /c HTTP/1.0\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nCookie: a=1; b=2\r\nX-Mid: m\r\n\r\n`);
});

test('proxy_set_header Host "": node\'s client adds the peer\'s address as Host', async () => {
  const got = await through('GET /nohost/ HTTP/1.1\r\nHost: h\r\nX-A: a\r\n\r\n');
  assert.equal(got, `GET /nohost/ HTTP/1.0\r\nConnection: close\r\nX-A: a\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
});

test('a header value with a control character (from a variable) is not sent: 502', async () => {
  heads = [];
  const client = new RawClient(f.port);
  client.write('GET /ctl/%01 HTTP/1.1\r\nHost: h\r\n\r\n');
  const response = await client.waitForText((text) => text.includes('\r\n\r\n'), 'the response');
  client.destroy();
  assert.match(response, /^HTTP\/1\.1 502 /);
  assert.equal(heads.length, 0);
  assert.equal((await f.loggedFor('/ctl/%01')).statusText, '502');
});

test('POST without a body sends no body and no framing header', async () => {
  const got = await through('POST /post-nobody HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n');
  assert.equal(got, `POST /post-nobody HTTP/1.0\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n`);
});

test('a small chunked body goes upstream with its Content-Length; Expect is not forwarded', async () => {
  const chunked = await through('POST /post-chunked HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
  assert.equal(chunked, `POST /post-chunked HTTP/1.0\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nContent-Length: 5\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nhello`);
  const v11 = await through('POST /v11/chunked HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
  assert.equal(v11, `POST /v11/chunked HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello`);
  const expect = await through('POST /expect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nabc');
  assert.equal(expect, `POST /expect HTTP/1.0\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc`);
});
