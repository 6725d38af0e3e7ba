// What the core answers itself: return, 444, nginx's built-in pages, the 301 for a directory,
// index, try_files, error_page, add_header, expires, server_tokens, 405/413.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseHead } from '../helpers/raw.js';
import { builtinPage, startSite, VERSION, type Site } from './harness.js';

describe('return, built-in pages and redirects', () => {
  let site: Site;
  before(async () => {
    site = await startSite(`
      server {
        listen 127.0.0.1:8080;
        server_name localhost;
        root {{dir}}/html;
        location /r301 { return 301 /foo; }
        location /r302 { return 302 http://x.example/y; }
        location /r307rel { return 307 "$uri?again"; }
        location /rurl { return http://x.example/z; }
        location /r200 { return 200 "text $uri $arg_a"; }
        location /r200.html { return 200 "<p>"; }
        location /r200empty { return 200; }
        location /r204 { return 204; }
        location /r299 { return 299 "x"; }
        location /r418 { return 418; }
        location /r404 { return 404; }
        location /r404text { error_page 404 /e.html; return 404 "t"; }
        location /r500 { return 500; }
        location /r444 { return 444; }
        location /off { server_tokens off; return 404; }
        location /noabs { absolute_redirect off; return 301 /rel; }
        location /noport { port_in_redirect off; return 301 /rel; }
        location /quietmiss/ { log_not_found off; }
      }
      server {
        listen 127.0.0.1:8081;
        return 302 /from-server-level;
        location / { return 200 "never"; }
      }
    `, { 'html/index.html': 'index\n', 'html/file.txt': 'hello\n', 'html/dir/index.html': 'dir index\n' });
  });
  after(() => site.close());

  it('the 404 page is nginx\'s, byte for byte, with ngts/VERSION', async () => {
    const r = await site.get('/r404', { headers: { Host: 'localhost' } });
    assert.equal(r.status, 404);
    assert.equal(r.statusMessage, 'Not Found');
    assert.equal(r.headers['content-type'], 'text/html');
    assert.equal(r.headers.server, `ngts/${VERSION}`);
    assert.match(r.headers.date!, /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/);
    assert.equal(r.body, `<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>ngts/${VERSION}</center>\r\n</body>\r\n</html>\r\n`);
    assert.equal(r.headers['content-length'], String(r.body.length));
  });

  it('server_tokens off: "Server: ngts" and no version on the page', async () => {
    const r = await site.get('/off', { headers: { Host: 'localhost' } });
    assert.equal(r.headers.server, 'ngts');
    assert.equal(r.body, builtinPage('404 Not Found', '404 Not Found', 'ngts'));
  });

  it('return 301 /foo: absolute Location from Host and port, nginx\'s page', async () => {
    const r = await site.get('/r301', { headers: { Host: 'LocalHost:1234' } });
    assert.equal(r.status, 301);
    assert.equal(r.statusMessage, 'Moved Permanently');
    assert.equal(r.headers.location, `http://localhost:${site.port()}/foo`);
    assert.equal(r.body, builtinPage('301 Moved Permanently'));
  });

  it('return 302 with a URL: "302 Moved Temporarily" status line, "302 Found" page', async () => {
    const r = await site.get('/r302', { headers: { Host: 'localhost' } });
    assert.equal(r.status, 302);
    assert.equal(r.statusMessage, 'Moved Temporarily');
    assert.equal(r.headers.location, 'http://x.example/y');
    assert.equal(r.body, builtinPage('302 Found'));
  });

  it('return with variables in a redirect; "return URL" alone is a 302', async () => {
    const r = await site.get('/r307rel', { headers: { Host: 'localhost' } });
    assert.equal(r.status, 307);
    assert.equal(r.headers.location, `http://localhost:${site.port()}/r307rel?again`);
    const u = await site.get('/rurl', { headers: { Host: 'localhost' } });
    assert.equal(u.status, 302);
    assert.equal(u.headers.location, 'http://x.example/z');
  });

  it('absolute_redirect off and port_in_redirect off', async () => {
    assert.equal((await site.get('/noabs', { headers: { Host: 'localhost' } })).headers.location, '/rel');
    assert.equal((await site.get('/noport', { headers: { Host: 'localhost' } })).headers.location, 'http://localhost/rel');
  });

  it('return 200 "text" with variables, Content-Type from the URI extension or default_type', async () => {
    const r = await site.get('/r200?a=5', { headers: { Host: 'localhost' } });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'text /r200 5');
    assert.equal(r.headers['content-type'], 'text/plain');
    const h = await site.get('/r200.html', { headers: { Host: 'localhost' } });
    assert.equal(h.headers['content-type'], 'text/html');
  });

  it('return 200 without text: empty body; 204: no body and no Content-Type', async () => {
    const r = await site.get('/r200empty', { headers: { Host: 'localhost' } });
    assert.equal(r.headers['content-length'], '0');
    assert.equal(r.headers['content-type'], 'text/plain');
    const n = await site.raw('GET /r204 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    const head = parseHead(n.text);
    assert.equal(head.statusLine, 'HTTP/1.1 204 No Content');
    assert.equal(head.headers.has('content-type'), false);
    assert.equal(head.body, '');
  });

  it('codes nginx has no reason for: "HTTP/1.1 299 " and an empty 418', async () => {
    const r = await site.raw('GET /r299 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    assert.match(r.text, /^HTTP\/1\.1 299 \r\n/);
    assert.equal(parseHead(r.text).body, 'x');
    const t = await site.raw('GET /r418 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    const head = parseHead(t.text);
    assert.equal(head.statusLine, 'HTTP/1.1 418 ');
    assert.equal(head.headers.get('content-length'), '0');
    assert.equal(head.headers.has('content-type'), false);
  });

  it('return 404 "text" sends the text (error_page does not apply)', async () => {
    const r = await site.get('/r404text', { headers: { Host: 'localhost' } });
    assert.equal(r.status, 404);
    assert.equal(r.body, 't');
  });

  it('return 500 closes the connection, as nginx does', async () => {
    const r = await site.raw('GET /r500 HTTP/1.1\r\nHost: localhost\r\n\r\n');
    assert.ok(r.closed);
    assert.equal(parseHead(r.text).headers.get('connection'), 'close');
    assert.equal(parseHead(r.text).body, builtinPage('500 Internal Server Error'));
  });

  it('return 444 closes the connection without a response', async () => {
    const r = await site.raw('GET /r444 HTTP/1.1\r\nHost: localhost\r\n\r\n');
    assert.ok(r.closed);
    assert.equal(r.text, '');
  });

  it('a server-level return runs before any location', async () => {
    const r = await site.get('/anything', { headers: { Host: 'localhost' }, port: site.port('127.0.0.1:8081') });
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, `http://localhost:${site.port('127.0.0.1:8081')}/from-server-level`);
  });

  it('a directory without its slash: 301 to the slashed URI, with the query string', async () => {
    const r = await site.get('/dir?x=1', { headers: { Host: 'localhost' } });
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, `http://localhost:${site.port()}/dir/?x=1`);
    assert.equal(r.body, builtinPage('301 Moved Permanently'));
  });

  it('HTTP/1.0 without Host: the redirect uses the local address', async () => {
    const r = await site.raw('GET /dir HTTP/1.0\r\n\r\n');
    assert.equal(parseHead(r.text).headers.get('location'), `http://127.0.0.1:${site.port()}/dir/`);
  });

  it('a directory with its slash serves the index file (internal redirect)', async () => {
    const r = await site.get('/dir/', { headers: { Host: 'localhost' } });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'dir index\n');
  });

  it('a missing file: 404 and nginx\'s error-log line', async () => {
    const r = await site.get('/missing', { headers: { Host: 'localhost:8080' } });
    assert.equal(r.status, 404);
    const log = site.read('logs/error.log');
    assert.ok(log.includes(`open() "${site.dir}/html/missing" failed (2: No such file or directory), client: 127.0.0.1, server: localhost, request: "GET /missing HTTP/1.1", host: "localhost:8080"`), log);
    assert.match(log, /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[error\] \d+#0: \*\d+ open\(\)/m);
  });

  it('log_not_found off: a missing file is a 404 without an error-log line', async () => {
    const r = await site.get('/quietmiss/nothing.txt', { headers: { Host: 'localhost' } });
    assert.equal(r.status, 404);
    await site.get('/missing-too', { headers: { Host: 'localhost' } });
    const log = site.read('logs/error.log');
    assert.ok(log.includes('/html/missing-too" failed (2: No such file or directory)'), log);
    assert.ok(!log.includes('quietmiss'), log);
  });

  it('methods other than GET/HEAD/POST on static content are 405 "Not Allowed"', async () => {
    for (const [method, target] of [['DELETE', '/file.txt'], ['PUT', '/']]) {
      const r = await site.get(target, { method, headers: { Host: 'localhost' } });
      assert.equal(r.status, 405, `${method} ${target}`);
      assert.equal(r.statusMessage, 'Not Allowed');
      assert.equal(r.body, builtinPage('405 Not Allowed'));
    }
  });

  it('HEAD gets the headers of the page without its body', async () => {
    const r = await site.raw('HEAD /r404 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    const head = parseHead(r.text);
    assert.equal(head.statusLine, 'HTTP/1.1 404 Not Found');
    assert.equal(head.headers.get('content-length'), String(builtinPage('404 Not Found').length));
    assert.equal(head.body, '');
  });
});

describe('try_files, index and error_page', () => {
  let site: Site;
  before(async () => {
    site = await startSite(`
      server {
        listen 127.0.0.1:8080;
        server_name localhost;
        root {{dir}}/html;
        index first.html index.html;
        error_page 404 /errors/404.html;
        location /tf/ { try_files $uri $uri/ /fallback.txt; }
        location /tfargs/ { try_files $uri /echo?from=tf; }
        location /tfcode/ { try_files $uri =403; }
        location /tfnamed/ { try_files $uri @app; }
        location @app { return 200 "app saw $uri?$args"; }
        location /echo { return 200 "echo $uri $args"; }
        location /eqcode/ { error_page 404 =200 /errors/404.html; }
        location /eqresp/ { error_page 404 = /echo; }
        location /named-err/ { error_page 404 @app; }
        location /redir-err/ { error_page 404 http://elsewhere.example/; }
        location /redir-err301/ { error_page 404 =301 http://elsewhere.example/; }
        location /missing-page/ { error_page 404 /errors/nope.html; }
        location /loop/ { error_page 404 /loop/x; }
        location /cycle/ { try_files /nope /cycle/again; }
        location /post/ { error_page 404 /method; return 404; }
        location /method { return 200 "$request_method"; }
      }
    `, {
      'html/index.html': 'root index\n',
      'html/first.html': 'first index\n',
      'html/fallback.txt': 'fallback\n',
      'html/tf/present.txt': 'present\n',
      'html/tf/sub/index.html': 'sub index\n',
      'html/errors/404.html': 'custom 404\n',
      'html/only/index.html': 'only index\n',
    });
  });
  after(() => site.close());
  const H = { Host: 'localhost' };

  it('index: the first existing file of the list', async () => {
    assert.equal((await site.get('/', { headers: H })).body, 'first index\n');
    assert.equal((await site.get('/only/', { headers: H })).body, 'only index\n');
  });

  it('try_files: an existing file is served', async () => {
    assert.equal((await site.get('/tf/present.txt', { headers: H })).body, 'present\n');
  });

  it('try_files: $uri/ matches a directory: without its slash a 301, with it the index', async () => {
    const r = await site.get('/tf/sub', { headers: H });
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, `http://localhost:${site.port()}/tf/sub/`);
    const i = await site.get('/tf/sub/', { headers: H });
    assert.equal(i.status, 200);
    assert.equal(i.body, 'sub index\n');
  });

  it('try_files: the last argument is an internal redirect', async () => {
    const r = await site.get('/tf/none', { headers: H });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'fallback\n');
  });

  it('try_files: the fallback URI\'s own args replace the request\'s', async () => {
    const r = await site.get('/tfargs/none?orig=1', { headers: H });
    assert.equal(r.body, 'echo /echo from=tf');
  });

  it('try_files: =code and @named', async () => {
    assert.equal((await site.get('/tfcode/none', { headers: H })).status, 403);
    assert.equal((await site.get('/tfnamed/none?q=1', { headers: H })).body, 'app saw /tfnamed/none?q=1');
  });

  it('error_page: the page is served with the original status', async () => {
    const r = await site.get('/nothing-here', { headers: H });
    assert.equal(r.status, 404);
    assert.equal(r.body, 'custom 404\n');
  });

  it('an error page ignores Range and conditionals and carries no Last-Modified (nginx\'s filters act on 200 only)', async () => {
    const r = await site.get('/nothing-here', { headers: { ...H, Range: 'bytes=0-3', 'If-None-Match': '*', 'If-Modified-Since': new Date(Date.now() + 86_400_000).toUTCString() } });
    assert.equal(r.status, 404);
    assert.equal(r.body, 'custom 404\n');
    assert.equal(r.headers['last-modified'], undefined);
  });

  it('error_page 404 =200: the page with status 200; "=": the status of the redirect', async () => {
    const r = await site.get('/eqcode/x', { headers: H });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'custom 404\n');
    const e = await site.get('/eqresp/x?a=1', { headers: H });
    assert.equal(e.status, 200);
    assert.equal(e.body, 'echo /echo ');
  });

  it('error_page to a named location keeps the URI and args', async () => {
    const r = await site.get('/named-err/x?k=v', { headers: H });
    assert.equal(r.status, 404);
    assert.equal(r.body, 'app saw /named-err/x?k=v');
  });

  it('error_page to a URL: 302, or the given redirect code', async () => {
    const r = await site.get('/redir-err/x', { headers: H });
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, 'http://elsewhere.example/');
    const p = await site.get('/redir-err301/x', { headers: H });
    assert.equal(p.status, 301);
  });

  it('an error page that is itself missing: nginx\'s built-in page (no recursion)', async () => {
    const r = await site.get('/missing-page/x', { headers: H });
    assert.equal(r.status, 404);
    assert.equal(r.body, builtinPage('404 Not Found'));
    const l = await site.get('/loop/y', { headers: H });
    assert.equal(l.status, 404);
    assert.equal(l.body, builtinPage('404 Not Found'));
  });

  it('an internal redirect cycle ends in 500 with nginx\'s error-log line', async () => {
    const r = await site.get('/cycle/x', { headers: H });
    assert.equal(r.status, 500);
    assert.match(site.read('logs/error.log'), /rewrite or internal redirection cycle while internally redirecting to "\/cycle\/again"/);
  });

  it('error_page fetches the page with GET for a POST', async () => {
    const r = await site.get('/post/x', { method: 'POST', headers: H, body: 'data' });
    assert.equal(r.status, 404);
    assert.equal(r.body, 'GET');
  });
});

describe('add_header, expires, client_max_body_size', () => {
  let site: Site;
  before(async () => {
    site = await startSite(`
      add_header X-Http http;
      client_max_body_size 10;
      server {
        listen 127.0.0.1:8080;
        root {{dir}}/html;
        location /inherit { return 200 "ok"; }
        location /own { add_header X-Own "$uri"; add_header X-Always yes always; return 200 "ok"; }
        location /own404 { add_header X-Own own; add_header X-Always yes always; return 404; }
        location /exp { expires 1h; return 200 "ok"; }
        location /exp404 { expires 1h; return 404; }
        location /expneg { expires -1; return 200 "ok"; }
        location /epoch { expires epoch; return 200 "ok"; }
        location /max { expires max; return 200 "ok"; }
        location /static { expires modified 1d; }
        location /nolimit { client_max_body_size 0; return 200 "ok"; }
        location /upload { return 200 "ok"; }
        location /hdr { add_header X-Uri $uri; return 200 "ok"; }
      }
    `, { 'html/static/a.txt': 'a' });
  });
  after(() => site.close());
  const H = { Host: 'x' };

  it('add_header is inherited only by levels that define none', async () => {
    assert.equal((await site.get('/inherit', { headers: H })).headers['x-http'], 'http');
    const r = await site.get('/own', { headers: H });
    assert.equal(r.headers['x-http'], undefined);
    assert.equal(r.headers['x-own'], '/own');
  });

  it('without "always" only on 2xx/3xx success codes; with it on every status', async () => {
    const r = await site.get('/own404', { headers: H });
    assert.equal(r.status, 404);
    assert.equal(r.headers['x-own'], undefined);
    assert.equal(r.headers['x-always'], 'yes');
  });

  it('a header value with a control character from a variable is left out, the response still sent', async () => {
    const r = await site.raw('GET /hdr%0d%0aInjected:%20yes HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const head = parseHead(r.text);
    assert.equal(head.statusLine, 'HTTP/1.1 200 OK');
    assert.equal(head.headers.has('injected'), false);
    assert.equal(head.headers.has('x-uri'), false);
    const ok = await site.get('/hdr/plain', { headers: H });
    assert.equal(ok.headers['x-uri'], '/hdr/plain');
  });

  it('expires 1h: Expires one hour after Date, Cache-Control max-age=3600', async () => {
    const r = await site.get('/exp', { headers: H });
    assert.equal(r.headers['cache-control'], 'max-age=3600');
    assert.equal(Date.parse(r.headers.expires!) - Date.parse(r.headers.date!), 3600_000);
    assert.equal((await site.get('/exp404', { headers: H })).headers.expires, undefined);
  });

  it('expires -1, epoch, max', async () => {
    const n = await site.get('/expneg', { headers: H });
    assert.equal(n.headers['cache-control'], 'no-cache');
    assert.equal(Date.parse(n.headers.expires!) - Date.parse(n.headers.date!), -1000);
    const e = await site.get('/epoch', { headers: H });
    assert.equal(e.headers.expires, 'Thu, 01 Jan 1970 00:00:01 GMT');
    assert.equal(e.headers['cache-control'], 'no-cache');
    const m = await site.get('/max', { headers: H });
    assert.equal(m.headers.expires, 'Thu, 31 Dec 2037 23:55:55 GMT');
    assert.equal(m.headers['cache-control'], 'max-age=315360000');
  });

  it('expires modified: counted from the file\'s Last-Modified', async () => {
    const old = new Date('2020-01-02T03:04:05Z');
    fs.utimesSync(path.join(site.dir, 'html/static/a.txt'), old, old);
    const r = await site.get('/static/a.txt', { headers: H });
    assert.equal(r.status, 200);
    if (r.headers['last-modified']) {
      assert.equal(r.headers['last-modified'], 'Thu, 02 Jan 2020 03:04:05 GMT');
      assert.equal(r.headers.expires, 'Fri, 03 Jan 2020 03:04:05 GMT');
      // Already expired: nginx says no-cache.
      assert.equal(r.headers['cache-control'], 'no-cache');
    } else {
      // Without Last-Modified nginx counts from the access time.
      assert.equal(r.headers['cache-control'], 'max-age=86400');
    }
  });

  it('client_max_body_size: a larger Content-Length is 413 and closes; 0 means no limit', async () => {
    const r = await site.raw('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n01234567890');
    const head = parseHead(r.text);
    assert.equal(head.statusLine, 'HTTP/1.1 413 Request Entity Too Large');
    assert.equal(head.headers.get('connection'), 'close');
    assert.ok(r.closed);
    assert.match(site.read('logs/error.log'), /client intended to send too large body: 11 bytes/);
    const ok = await site.get('/nolimit', { method: 'POST', headers: H, body: 'x'.repeat(100) });
    assert.equal(ok.status, 200);
    const small = await site.get('/upload', { method: 'POST', headers: H, body: 'x'.repeat(10) });
    assert.equal(small.status, 200);
  });
});
