// Autoindex HTML byte for byte as nginx 1.22 prints it for the tree of autoindex-fixture.ts
// (captured with `autoindex on;`), and the index module's order and outcomes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildAutoindexFixture } from './autoindex-fixture.js';
import { request } from '../helpers/http-client.js';
import { makeTempRoot, startSite, writeFixed, type Site } from './site.js';

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

describe('autoindex', () => {
  let site: Site;
  let root: string;
  before(async () => {
    root = makeTempRoot('autoindex');
    buildAutoindexFixture(path.join(root, 'list'));
    site = await startSite(root, { autoindex: true, index: ['index.html'] });
  });
  after(async () => {
    await site.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('prints the listing byte for byte as nginx does', async () => {
    const r = await request(site.port, '/list/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html');
    // nginx sends the listing chunked, without Content-Length, Last-Modified or ETag.
    assert.equal(r.headers['transfer-encoding'], 'chunked');
    assert.equal(r.headers['content-length'], undefined);
    assert.equal(r.headers['last-modified'], undefined);
    assert.equal(r.headers.etag, undefined);
    assert.equal(r.headers['x-before'], '200');
    if (!r.bytes.equals(NGINX_LIST)) {
      // A line diff reads better than two buffers.
      assert.deepEqual(r.bytes.toString('latin1').split('\r\n'), NGINX_LIST.toString('latin1').split('\r\n'));
    }
    assert.ok(r.bytes.equals(NGINX_LIST));
  });

  it('escapes the title', async () => {
    const r = await request(site.port, '/list/x%26y%3Cz%3E%22q/');
    assert.equal(r.status, 200);
    assert.ok(r.bytes.equals(NGINX_ESCAPED_TITLE), r.body);
  });

  it('answers HEAD with the headers alone', async () => {
    const r = await request(site.port, '/list/', { method: 'HEAD' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html');
    assert.equal(r.bytes.length, 0);
  });

  it('refuses POST with 403 (autoindex declines it) and PUT with 405', async () => {
    assert.equal((await request(site.port, '/list/', { method: 'POST' })).status, 403);
    assert.equal((await request(site.port, '/list/', { method: 'PUT' })).status, 405);
    assert.equal((await request(site.port, '/list/', { method: 'DELETE' })).status, 405);
  });

  it('answers 404 for a missing directory and for a file used as a directory', async () => {
    site.logs.length = 0;
    assert.equal((await request(site.port, '/nodir/')).status, 404);
    assert.equal((await request(site.port, '/list/old.txt/')).status, 404);
    // nginx names the index file in both messages.
    assert.deepEqual(site.logs, [
      `[error] "${root}/nodir/index.html" is not found (2: No such file or directory)`,
      `[error] "${root}/list/old.txt/index.html" is not found (20: Not a directory)`,
    ]);
  });
});

describe('index', () => {
  let site: Site;
  let root: string;
  before(async () => {
    root = makeTempRoot('index');
    writeFixed(path.join(root, 'both', 'second.html'), 'two');
    writeFixed(path.join(root, 'both', 'third.html'), 'three');
    fs.mkdirSync(path.join(root, 'both', 'first.html.d'));
    fs.mkdirSync(path.join(root, 'asdir', 'first.html'), { recursive: true });
    fs.mkdirSync(path.join(root, 'empty'));
    writeFixed(path.join(root, 'file.txt'), 'f');
    site = await startSite(root, { index: ['first.html', 'second.html', '/abs.html'] });
  });
  after(async () => {
    await site.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('redirects internally to the first index that exists, in order', async () => {
    const r = await request(site.port, '/both/');
    assert.equal(r.headers['x-redirect'], '/both/second.html');
  });

  it('redirects to an index that is a directory (nginx then answers 301)', async () => {
    const r = await request(site.port, '/asdir/');
    assert.equal(r.headers['x-redirect'], '/asdir/first.html');
  });

  it('reaches an absolute index name without testing it', async () => {
    const r = await request(site.port, '/empty/');
    assert.equal(r.headers['x-redirect'], '/abs.html');
  });

  it('answers 404 when the directory is missing, even with an absolute index later', async () => {
    const r = await request(site.port, '/missing/');
    assert.equal(r.status, 404);
    assert.equal((await request(site.port, '/file.txt/')).status, 404);
  });

  it('lets POST reach the index (the static handler then answers 405)', async () => {
    const r = await request(site.port, '/both/', { method: 'POST' });
    assert.equal(r.headers['x-redirect'], '/both/second.html');
  });

  it('is 403 without an index and without autoindex', async () => {
    const other = await startSite(root, { index: ['none.html'] });
    try {
      const r = await request(other.port, '/empty/');
      assert.equal(r.status, 403);
      assert.equal(r.headers['x-outcome'], 'forbidden');
      assert.deepEqual(other.logs, [`[error] directory index of "${root}/empty/" is forbidden`]);
    } finally {
      await other.close();
    }
  });
});
