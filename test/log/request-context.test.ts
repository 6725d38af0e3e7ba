// The request context that ends an HTTP error-log line, one builder for the core, the parser's
// refusals and the proxy. Expected lines recorded from Debian's nginx 1.22:
//   *1 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1,
//     server: srv, request: "GET /p HTTP/1.1", upstream: "http://127.0.0.1:1/p", host: "127.0.0.1:18731", referrer: "http://ref/x"
//   *1 client sent invalid chunked body, client: 127.0.0.1, server: srv, request: "POST /p HTTP/1.1", host: "h", referrer: "http://ref/z"
import { waitFor } from '../helpers/wait.js';
import { freePort } from '../helpers/ngts.js';
import { request as get } from '../helpers/http-client.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { requestContext } from '../../src/log/request-context.js';
import { startSite, type Site } from '../http/harness.js';
import { front, track } from '../proxy/helpers.js';

describe('requestContext', () => {
  it('is nginx\'s order: client, server, request, upstream, host, referrer', () => {
    assert.equal(
      requestContext('10.0.0.1', 'srv', 'GET /p HTTP/1.1', { host: 'h', referer: 'http://ref/x' }, 'http://b/p'),
      'client: 10.0.0.1, server: srv, request: "GET /p HTTP/1.1", upstream: "http://b/p", host: "h", referrer: "http://ref/x"',
    );
    assert.equal(requestContext('10.0.0.1', 'srv', 'GET / HTTP/1.1', {}), 'client: 10.0.0.1, server: srv, request: "GET / HTTP/1.1"');
  });

  it('stops after the server without a request line, and after the request without headers', () => {
    assert.equal(requestContext('10.0.0.1', '', '', { host: 'h' }, 'http://b/'), 'client: 10.0.0.1, server: ');
    assert.equal(requestContext('10.0.0.1', 'srv', 'FOO', undefined), 'client: 10.0.0.1, server: srv, request: "FOO"');
  });
});

describe('referrer in error-log lines', () => {
  let site: Site;
  before(async () => {
    site = await startSite(`
      server { listen 127.0.0.1:8080; server_name localhost; location / { return 200 "ok"; } }
    `);
  });
  after(() => site.close());

  it('a body error of a request being answered (the parser\'s refusal) ends with host and referrer', async () => {
    await site.raw('POST / HTTP/1.1\r\nHost: x\r\nReferer: http://ref/z\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n');
    const expected = 'client sent invalid chunked body, client: 127.0.0.1, server: localhost, request: "POST / HTTP/1.1", host: "x", referrer: "http://ref/z"\n';
    await waitFor(() => site.read('logs/error.log').includes(expected), 'the chunked-body line with its referrer');
  });

  it('an upstream failure logged by the proxy ends with host and referrer', async () => {
    const dead = await freePort();
    const f = await track(front(`http { server { location /p { proxy_pass http://127.0.0.1:${dead}; } } }`));
    const r = await get(f.port, '/p', { headers: { Host: 'front.test', Referer: 'http://ref/x' } });
    assert.equal(r.status, 502);
    const line = `connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: , request: "GET /p HTTP/1.1", upstream: "http://127.0.0.1:${dead}/p", host: "front.test", referrer: "http://ref/x"`;
    assert.ok(f.errorLines().some((l) => l.endsWith(line)), f.errorLines().join('\n'));
  });
});
