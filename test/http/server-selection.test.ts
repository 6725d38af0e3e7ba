// Virtual server selection: nginx's docs example of three name-based servers, then wildcards,
// regexes with captures, default_server, and requests without Host.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hasFullResponse, parseHead } from '../helpers/raw.js';
import { startSite, type Site } from './harness.js';

describe('three name-based virtual servers (nginx docs, "How nginx processes a request")', () => {
  let site: Site;
  before(async () => {
    site = await startSite(`
      server { listen 127.0.0.1:8080; server_name www.a.com; root {{dir}}/a; }
      server { listen 127.0.0.1:8080; server_name www.b.com; root {{dir}}/b; }
      server { listen 127.0.0.1:8080; server_name www.c.com; root {{dir}}/c; }
    `, { 'a/index.html': 'site A\n', 'b/index.html': 'site B\n', 'c/index.html': 'site C\n' });
  });
  after(() => site.close());

  for (const name of ['a', 'b', 'c']) {
    it(`Host: www.${name}.com is served from its own root`, async () => {
      const r = await site.get('/index.html', { headers: { Host: `www.${name}.com` } });
      assert.equal(r.status, 200);
      assert.equal(r.body, `site ${name.toUpperCase()}\n`);
    });
  }

  it('matches the Host case-insensitively, without its port and trailing dot', async () => {
    const r = await site.get('/index.html', { headers: { Host: 'WWW.B.COM.:8080' } });
    assert.equal(r.body, 'site B\n');
  });

  it('an unknown Host goes to the first server of the address (no default_server)', async () => {
    const r = await site.get('/index.html', { headers: { Host: 'www.unknown.org' } });
    assert.equal(r.body, 'site A\n');
  });
});

describe('wildcards, regexes and default_server', () => {
  let site: Site;
  before(async () => {
    site = await startSite(`
      server { listen 127.0.0.1:8080; server_name first.example; return 200 "first"; }
      server { listen 127.0.0.1:8080 default_server; server_name default.example; return 200 "default"; }
      server { listen 127.0.0.1:8080; server_name example.org; return 200 "exact"; }
      server { listen 127.0.0.1:8080; server_name *.example.org; return 200 "head-short"; }
      server { listen 127.0.0.1:8080; server_name *.www.example.org; return 200 "head-long"; }
      server { listen 127.0.0.1:8080; server_name mail.*; return 200 "tail-short"; }
      server { listen 127.0.0.1:8080; server_name mail.example.*; return 200 "tail-long"; }
      server { listen 127.0.0.1:8080; server_name .dot.net; return 200 "dot"; }
      server { listen 127.0.0.1:8080; server_name ~^(?<user>[a-z]+)\\.users\\.net$; return 200 "user=$user"; }
      server { listen 127.0.0.1:8080; server_name ~^(\\w+)\\.users\\.net$ ~^www\\.(.+)$; return 200 "second-regex=$1"; }
      server { listen 127.0.0.1:8080; server_name ""; return 200 "no-host"; }
      server { listen 127.0.0.1:9090; return 200 "other-port"; }
    `);
  });
  after(() => site.close());

  const cases: [string, string][] = [
    ['example.org', 'exact'],
    ['a.example.org', 'head-short'],
    ['a.b.example.org', 'head-short'],
    ['x.www.example.org', 'head-long'],
    ['www.example.org', 'head-short'],
    ['mail.foo.com', 'tail-short'],
    ['mail.example.com', 'tail-long'],
    ['dot.net', 'dot'],
    ['a.dot.net', 'dot'],
    ['alice.users.net', 'user=alice'],
    ['www.regex.io', 'second-regex=regex.io'],
    ['nothing.matches', 'default'],
  ];
  for (const [host, expected] of cases) {
    it(`Host: ${host} → ${expected}`, async () => {
      const r = await site.get('/', { headers: { Host: host } });
      assert.equal(r.body, expected);
    });
  }

  it('the exact name beats a leading wildcard, which beats a trailing one, which beats a regex', async () => {
    // mail.example.org matches "*.example.org" (leading) and "mail.*" (trailing): leading wins.
    assert.equal((await site.get('/', { headers: { Host: 'mail.example.org' } })).body, 'head-short');
  });

  it('a request without Host (HTTP/1.0) goes to the server named ""', async () => {
    const r = await site.raw('GET / HTTP/1.0\r\n\r\n');
    assert.equal(parseHead(r.text).body, 'no-host');
  });

  it('the listen address decides first: the other port has its own servers', async () => {
    const r = await site.get('/', { headers: { Host: 'example.org' }, port: site.port('127.0.0.1:9090') });
    assert.equal(r.body, 'other-port');
  });

  it('HTTP/1.1 without Host is 400 and the connection closes', async () => {
    const r = await site.raw('GET / HTTP/1.1\r\n\r\n');
    assert.ok(r.closed);
    const head = parseHead(r.text);
    assert.equal(head.statusLine, 'HTTP/1.1 400 Bad Request');
    assert.equal(head.headers.get('connection'), 'close');
    assert.match(site.read('logs/error.log'), /client sent HTTP\/1\.1 request without "Host" header while reading client request headers, client: 127\.0\.0\.1, server: default\.example, request: "GET \/ HTTP\/1\.1"/);
  });

  it('an invalid Host (a slash, "..", or empty) is 400', async () => {
    for (const host of ['a/b', 'a..b', '', '.']) {
      const r = await site.raw(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      assert.equal(parseHead(r.text).statusLine, 'HTTP/1.1 400 Bad Request', `Host: "${host}"`);
    }
  });

  it('two Host headers are 400', async () => {
    const r = await site.raw('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n');
    assert.equal(parseHead(r.text).statusLine, 'HTTP/1.1 400 Bad Request');
    assert.match(site.read('logs/error.log'), /client sent duplicate host header: "Host: b", previous value: "Host: a" while reading client request headers/);
  });

  it('the host of an absolute request target wins over the Host header', async () => {
    const r = await site.raw('GET http://example.org/ HTTP/1.1\r\nHost: nothing.matches\r\nConnection: close\r\n\r\n', { until: hasFullResponse });
    assert.equal(parseHead(r.text).body, 'exact');
  });
});

describe('a specific address next to a wildcard on the same port (nginx binds the wildcard only)', () => {
  let site: Site;
  before(async () => {
    site = await startSite(`
      server { listen 8080; return 200 "wildcard-default"; }
      server { listen 127.0.0.1:8080; server_name local.example; return 200 "local-only"; }
      server { listen 8080; server_name named.example; return 200 "wildcard-named"; }
    `);
  });
  after(() => site.close());

  it('one socket serves both addresses', () => {
    assert.equal(site.runtime.servers.length, 1);
    assert.equal(site.runtime.servers[0].listen.key, '0.0.0.0:8080');
  });

  it('a connection to 127.0.0.1 is served by the servers of 127.0.0.1:8080 only', async () => {
    assert.equal((await site.get('/', { headers: { Host: 'local.example' } })).body, 'local-only');
    // named.example listens on the wildcard only: not a candidate for 127.0.0.1.
    assert.equal((await site.get('/', { headers: { Host: 'named.example' } })).body, 'local-only');
  });
});
