// Autoindex HTML byte for byte as nginx 1.22 prints it for the tree of autoindex-fixture.ts
// (captured with `autoindex on;`), and the index module's order and outcomes, through the real
// runtime.
import { parseHead } from '../helpers/raw.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSite, type Site } from '../http/harness.js';
import { buildAutoindexFixture } from './autoindex-fixture.js';
import { ErrorLogReader, writeFixed } from './fixtures.js';

function latin1(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

function page(lines: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [];
  for (const l of lines) parts.push(typeof l === 'string' ? Buffer.from(l, 'utf8') : l, Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

/** nginx 1.22's answer to GET /list/ on the fixture. */
const NGINX_LIST = page([
  "<html>",
  "<head><title>Index of /list/</title></head>",
  "<body>",
  "<h1>Index of /list/</h1><hr><pre><a href=\"../\">../</a>",
  "<a href=\"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB/\">BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB/</a>  25-Nov-2026 09:00                   -",
  "<a href=\"CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC/\">CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC/</a> 25-Nov-2026 09:00                   -",
  "<a href=\"DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD/\">DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD</a> 25-Nov-2026 09:00                   -",
  "<a href=\"GGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGG/\">GGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGG..&gt;</a> 25-Nov-2026 09:00                   -",
  "<a href=\"dir%20b/\">dir b/</a>                                             25-Nov-2026 09:00                   -",
  "<a href=\"linkdir/\">linkdir/</a>                                           03-Feb-2001 04:05                   -",
  "<a href=\"x%26y%3Cz%3E%22q/\">x&amp;y&lt;z&gt;&quot;q/</a>                                          25-Nov-2026 09:00                   -",
  "<a href=\"zdir/\">zdir/</a>                                              03-Feb-2001 04:05                   -",
  "<a href=\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%26%26%26%26BBBBBBBBBB\">AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&amp;..&gt;</a> 25-Nov-2026 09:00                   3",
  "<a href=\"EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE\">EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE</a> 25-Nov-2026 09:00                   1",
  "<a href=\"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\">FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF</a>  25-Nov-2026 09:00                   2",
  "<a href=\"LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL.txt\">LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL..&gt;</a> 25-Nov-2026 09:00                   4",
  "<a href=\"a%20file.txt\">a file.txt</a>                                         25-Nov-2026 09:00                   6",
  "<a href=\"amp%26er.txt\">amp&amp;er.txt</a>                                         25-Nov-2026 09:00                   1",
  "<a href=\"big.bin\">big.bin</a>                                            25-Nov-2026 09:00             2097159",
  "<a href=\"c%21c\">c!c</a>                                                25-Nov-2026 09:00                   1",
  "<a href=\"c%23c\">c#c</a>                                                25-Nov-2026 09:00                   1",
  "<a href=\"c%25c\">c%c</a>                                                25-Nov-2026 09:00                   1",
  "<a href=\"c%27c\">c'c</a>                                                25-Nov-2026 09:00                   1",
  "<a href=\"c%28c\">c(c</a>                                                25-Nov-2026 09:00                   1",
  "<a href=\"c%2Ac\">c*c</a>                                                25-Nov-2026 09:00                   1",
  "<a href=\"c%2Bc\">c+c</a>                                                25-Nov-2026 09:00                   1",
  "<a href=\"c-c\">c-c</a>                                                25-Nov-2026 09:00                   1",
  "<a href=\"c.c\">c.c</a>                                                25-Nov-2026 09:00                   1",
  "<a href=\"c%3Ac\">c:c</a>                                                25-Nov-2026 09:00                   1",
  "<a href=\"c%3Dc\">c=c</a>                                                25-Nov-2026 09:00                   1",
  "<a href=\"c%3Fc\">c?c</a>                                                25-Nov-2026 09:00                   1",
  "<a href=\"c%40c\">c@c</a>                                                25-Nov-2026 09:00                   1",
  "<a href=\"c%5Cc\">c\\c</a>                                                25-Nov-2026 09:00                   1",
  "<a href=\"c_c\">c_c</a>                                                25-Nov-2026 09:00                   1",
  "<a href=\"c%60c\">c`c</a>                                                25-Nov-2026 09:00                   1",
  "<a href=\"c%7Bc\">c{c</a>                                                25-Nov-2026 09:00                   1",
  "<a href=\"c~c\">c~c</a>                                                25-Nov-2026 09:00                   1",
  "<a href=\"dangling\">dangling</a>                                           25-Nov-2026 09:00                   7",
  "<a href=\"h%C3%A9llo.txt\">héllo.txt</a>                                         25-Nov-2026 09:00                   6",
  "<a href=\"linkfile\">linkfile</a>                                           25-Nov-2026 09:00                   6",
  "<a href=\"lt%3Cgt%3E.html\">lt&lt;gt&gt;.html</a>                                        25-Nov-2026 09:00                   2",
  "<a href=\"old.txt\">old.txt</a>                                            03-Feb-2001 04:05                   3",
  "<a href=\"quo%22te.txt\">quo&quot;te.txt</a>                                         25-Nov-2026 09:00                   1",
  "<a href=\"%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9\">éééééééééééééééééééé</a>           25-Nov-2026 09:00                   0",
  // Cut inside a UTF-8 character, as nginx cuts it (bytes written as latin1 escapes).
  latin1("<a href=\"%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC%C3%BC.txt\">\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xC3..&gt;</a> 25-Nov-2026 09:00                   0"),
  "<a href=\"%E6%97%A5%E6%9C%AC%E8%AA%9E.txt\">日本語.txt</a>                                      25-Nov-2026 09:00                   7",
  "</pre><hr></body>",
  "</html>",
]);

/** nginx 1.22's answer for the directory named x&y<z>"q (title escaped, empty listing). */
const NGINX_ESCAPED_TITLE = page([
  '<html>',
  '<head><title>Index of /list/x&amp;y&lt;z&gt;&quot;q/</title></head>',
  '<body>',
  '<h1>Index of /list/x&amp;y&lt;z&gt;&quot;q/</h1><hr><pre><a href="../">../</a>',
  '</pre><hr></body>',
  '</html>',
]);

/** The body of a chunked response (raw bytes held in a latin1 string). */
function dechunk(text: string): string {
  let body = '';
  let p = 0;
  for (;;) {
    const eol = text.indexOf('\r\n', p);
    assert.ok(eol > p, `a chunk size at ${p}`);
    const size = parseInt(text.slice(p, eol), 16);
    if (size === 0) return body;
    body += text.slice(eol + 2, eol + 2 + size);
    assert.equal(text.slice(eol + 2 + size, eol + 4 + size), '\r\n');
    p = eol + 4 + size;
  }
}

describe('autoindex', () => {
  let site: Site;
  let root: string;
  let log: ErrorLogReader;
  before(async () => {
    site = await startSite(`
      server {
        listen 127.0.0.1:8080;
        root {{dir}}/html;
        autoindex on;
        index index.html;
        add_header X-Added yes;
      }
    `);
    root = path.join(site.dir, 'html');
    buildAutoindexFixture(path.join(root, 'list'));
    log = new ErrorLogReader(() => site.read('logs/error.log'));
  });
  after(() => site.close());

  it('prints the listing byte for byte as nginx does', async () => {
    // Raw bytes: the listing has a name cut inside a UTF-8 character.
    const { text } = await site.raw('GET /list/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    const { statusLine, headers, body } = parseHead(text);
    assert.equal(statusLine, 'HTTP/1.1 200 OK');
    assert.equal(headers.get('content-type'), 'text/html');
    // nginx sends the listing chunked, without Content-Length, Last-Modified or ETag.
    assert.equal(headers.get('transfer-encoding'), 'chunked');
    assert.equal(headers.get('content-length'), undefined);
    assert.equal(headers.get('last-modified'), undefined);
    assert.equal(headers.get('etag'), undefined);
    assert.equal(headers.get('x-added'), 'yes');
    const listing = dechunk(body);
    // A line diff reads better than two buffers.
    assert.deepEqual(listing.split('\r\n'), NGINX_LIST.toString('latin1').split('\r\n'));
    assert.ok(Buffer.from(listing, 'latin1').equals(NGINX_LIST));
  });

  it('escapes the title', async () => {
    const r = await site.get('/list/x%26y%3Cz%3E%22q/');
    assert.equal(r.status, 200);
    assert.equal(r.body, NGINX_ESCAPED_TITLE.toString());
  });

  it('answers HEAD with the headers alone', async () => {
    const r = await site.get('/list/', { method: 'HEAD' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html');
    assert.equal(r.body.length, 0);
  });

  it('refuses POST with 403 (autoindex declines it) and PUT with 405', async () => {
    log.skip();
    assert.equal((await site.get('/list/', { method: 'POST' })).status, 403);
    assert.deepEqual(log.lines(), [`[error] directory index of "${root}/list/" is forbidden`]);
    assert.equal((await site.get('/list/', { method: 'PUT' })).status, 405);
    assert.equal((await site.get('/list/', { method: 'DELETE' })).status, 405);
  });

  it('answers 404 for a missing directory and for a file used as a directory', async () => {
    log.skip();
    assert.equal((await site.get('/nodir/')).status, 404);
    assert.equal((await site.get('/list/old.txt/')).status, 404);
    // nginx names the index file in both messages.
    assert.deepEqual(log.lines(), [
      `[error] "${root}/nodir/index.html" is not found (2: No such file or directory)`,
      `[error] "${root}/list/old.txt/index.html" is not found (20: Not a directory)`,
    ]);
  });
});

describe('index', () => {
  let site: Site;
  let root: string;
  let log: ErrorLogReader;
  /** A server whose only index file is missing everywhere, without autoindex. */
  const NO_INDEX = '127.0.0.1:8081';
  before(async () => {
    site = await startSite(`
      server {
        listen 127.0.0.1:8080;
        root {{dir}}/html;
        index first.html second.html /abs.html;
      }
      server {
        listen ${NO_INDEX};
        root {{dir}}/html;
        index none.html;
      }
    `);
    root = path.join(site.dir, 'html');
    writeFixed(path.join(root, 'both', 'second.html'), 'two');
    writeFixed(path.join(root, 'both', 'third.html'), 'three');
    fs.mkdirSync(path.join(root, 'both', 'first.html.d'));
    fs.mkdirSync(path.join(root, 'asdir', 'first.html'), { recursive: true });
    fs.mkdirSync(path.join(root, 'empty'));
    writeFixed(path.join(root, 'file.txt'), 'f');
    log = new ErrorLogReader(() => site.read('logs/error.log'));
  });
  after(() => site.close());

  it('redirects internally to the first index that exists, in order', async () => {
    const r = await site.get('/both/');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'two');
  });

  it('redirects to an index that is a directory (nginx then answers 301)', async () => {
    const r = await site.get('/asdir/');
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, `http://127.0.0.1:${site.port()}/asdir/first.html/`);
  });

  it('reaches an absolute index name without testing it', async () => {
    log.skip();
    const r = await site.get('/empty/');
    // The redirect to /abs.html happens although no such file exists: the static module then
    // looks for it at the root, as in nginx.
    assert.equal(r.status, 404);
    assert.deepEqual(log.lines(), [`[error] open() "${root}/abs.html" failed (2: No such file or directory)`]);
  });

  it('answers 404 when the directory is missing, even with an absolute index later', async () => {
    log.skip();
    assert.equal((await site.get('/missing/')).status, 404);
    assert.equal((await site.get('/file.txt/')).status, 404);
    assert.deepEqual(log.lines(), [
      `[error] "${root}/missing/first.html" is not found (2: No such file or directory)`,
      `[error] "${root}/file.txt/first.html" is not found (20: Not a directory)`,
    ]);
  });

  it('lets POST reach the index (the static handler then answers 405)', async () => {
    const r = await site.get('/both/', { method: 'POST' });
    assert.equal(r.status, 405);
  });

  it('is 403 without an index and without autoindex', async () => {
    log.skip();
    const r = await site.get('/empty/', { port: site.port(NO_INDEX) });
    assert.equal(r.status, 403);
    assert.deepEqual(log.lines(), [`[error] directory index of "${root}/empty/" is forbidden`]);
  });
});
