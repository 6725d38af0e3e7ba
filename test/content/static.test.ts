// The static module through the real runtime (a config, createHttpRuntime, a client): headers,
// Content-Type, conditionals, ranges, HEAD, methods, and the statuses and error-log lines of
// failed lookups. Expected values were captured from nginx 1.22 on the same files.
import type { Reply } from '../helpers/http-client.js';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultLocConf } from '../../src/config/merge.js';
import { contentTypeFor, uriExtension } from '../../src/content/mime.js';
import { NAME_VERSION } from '../../src/version.js';
import { startSite, type Site } from '../http/harness.js';
import { ErrorLogReader, writeFixed } from './fixtures.js';

const ETAG = '"6b06a390-14"';
const LAST_MODIFIED = 'Wed, 25 Nov 2026 09:00:00 GMT';
const BODY = '0123456789abcdefghij';
const TYPES = { txt: 'text/plain', html: 'text/html', css: 'text/css', js: 'application/javascript' };

function nginxPage(status: string): string {
  return `<html>\r\n<head><title>${status}</title></head>\r\n<body>\r\n<center><h1>${status}</h1></center>\r\n` +
    `<hr><center>${NAME_VERSION}</center>\r\n</body>\r\n</html>\r\n`;
}

let site: Site;
let root: string;
let log: ErrorLogReader;

/** The second server: no `types` anywhere, so mime-types answers. */
const BARE = '127.0.0.1:8081';

before(async () => {
  // add_header shows which status the header filters saw: without `always` nginx adds a header
  // to 200, 201, 204, 206, 301, 302, 303, 304, 307 and 308 only.
  site = await startSite(`
    server {
      listen 127.0.0.1:8080;
      root {{dir}}/html;
      types { text/plain txt; text/html html; text/css css; application/javascript js; }
      default_type application/octet-stream;
      add_header X-Added yes;
      add_header X-Always yes always;
      location /as-get/ { alias {{dir}}/html/; error_page 405 =200 /r.txt; }
    }
    server {
      listen ${BARE};
      root {{dir}}/html;
      default_type text/x-default;
    }
  `, { 'html/dir': null });
  root = path.join(site.dir, 'html');
  writeFixed(path.join(root, 'r.txt'), BODY);
  writeFixed(path.join(root, 'empty.txt'), '');
  writeFixed(path.join(root, 'UPPER.HTML'), 'U');
  writeFixed(path.join(root, 'a.JS'), 'j');
  writeFixed(path.join(root, 'noext'), 'n');
  writeFixed(path.join(root, '.hidden'), 'h');
  writeFixed(path.join(root, 'x.unknownext'), 'u');
  writeFixed(path.join(root, 'font.woff2'), 'w');
  log = new ErrorLogReader(() => site.read('logs/error.log'));
});
after(() => site.close());

function request(uri: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return site.get(uri, { headers, method });
}

describe('200 responses', () => {
  it('carries nginx headers: type, length, Last-Modified, ETag, Accept-Ranges', async () => {
    const r = await request('/r.txt');
    assert.equal(r.status, 200);
    assert.equal(r.body, BODY);
    assert.equal(r.headers['content-type'], 'text/plain');
    assert.equal(r.headers['content-length'], '20');
    assert.equal(r.headers['last-modified'], LAST_MODIFIED);
    assert.equal(r.headers.etag, ETAG);
    assert.equal(r.headers['accept-ranges'], 'bytes');
    assert.equal(r.headers['x-added'], 'yes');
  });

  it('answers HEAD with the same headers and no body', async () => {
    const r = await request('/r.txt', {}, 'HEAD');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-length'], '20');
    assert.equal(r.headers.etag, ETAG);
    assert.equal(r.body.length, 0);
  });

  it('serves an empty file with Content-Length: 0', async () => {
    const r = await request('/empty.txt');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-length'], '0');
    assert.match(r.headers.etag!, /^"6b06a390-0"$/);
  });
});

describe('Content-Type', () => {
  it('looks the URI extension up in types {}, lowercased, else default_type', async () => {
    const cases: [string, string][] = [
      ['/UPPER.HTML', 'text/html'],
      ['/a.JS', 'application/javascript'],
      ['/noext', 'application/octet-stream'],
      ['/.hidden', 'application/octet-stream'],
      ['/x.unknownext', 'application/octet-stream'],
      ['/font.woff2', 'application/octet-stream'],
    ];
    for (const [uri, type] of cases) assert.equal((await request(uri)).headers['content-type'], type, uri);
  });

  it('asks mime-types when the config has no types at all', async () => {
    const port = site.port(BARE);
    const type = async (uri: string) => (await site.get(uri, { port })).headers['content-type'];
    assert.equal(await type('/font.woff2'), 'font/woff2');
    assert.equal(await type('/a.JS'), 'text/javascript');
    assert.equal(await type('/noext'), 'text/x-default');
    assert.equal(await type('/x.unknownext'), 'text/x-default');
  });

  it("takes the extension from the URI as nginx's r->exten does", () => {
    assert.equal(uriExtension('/a/b.tar.gz'), 'gz');
    assert.equal(uriExtension('/a.d/file'), '');
    assert.equal(uriExtension('/.bashrc'), '');
    assert.equal(uriExtension('/d/.x.css'), 'css');
    const loc = { ...defaultLocConf('/p'), types: TYPES, defaultType: 'x/default' };
    // An alias may map "/doc" onto "doc.html": nginx types it by the URI.
    assert.equal(contentTypeFor(loc, '/doc'), 'x/default');
    assert.equal(contentTypeFor(loc, '/doc.CSS'), 'text/css');
  });
});

describe('conditional requests', () => {
  async function status(headers: Record<string, string>): Promise<number> {
    return (await request('/r.txt', headers)).status;
  }

  it('answers 304 with Last-Modified and ETag only', async () => {
    const r = await request('/r.txt', { 'If-None-Match': ETAG });
    assert.equal(r.status, 304);
    assert.equal(r.headers.etag, ETAG);
    assert.equal(r.headers['last-modified'], LAST_MODIFIED);
    assert.equal(r.headers['content-type'], undefined);
    assert.equal(r.headers['content-length'], undefined);
    assert.equal(r.headers['accept-ranges'], undefined);
    assert.equal(r.headers['x-added'], 'yes');
    assert.equal(r.body.length, 0);
  });

  it('matches If-None-Match as nginx: *, weak, lists', async () => {
    assert.equal(await status({ 'If-None-Match': `W/${ETAG}` }), 304);
    assert.equal(await status({ 'If-None-Match': '*' }), 304);
    assert.equal(await status({ 'If-None-Match': `"a", ${ETAG}` }), 304);
    assert.equal(await status({ 'If-None-Match': `${ETAG}  ,"x"` }), 304);
    assert.equal(await status({ 'If-None-Match': `${ETAG}x` }), 200);
    assert.equal(await status({ 'If-None-Match': '"nope"' }), 200);
  });

  it('needs If-Modified-Since to equal Last-Modified exactly', async () => {
    assert.equal(await status({ 'If-Modified-Since': LAST_MODIFIED }), 304);
    // The same instant in RFC 850 and asctime forms.
    assert.equal(await status({ 'If-Modified-Since': 'Wednesday, 25-Nov-26 09:00:00 GMT' }), 304);
    assert.equal(await status({ 'If-Modified-Since': 'Wed Nov 25 09:00:00 2026' }), 304);
    assert.equal(await status({ 'If-Modified-Since': 'Thu, 26 Nov 2026 09:00:00 GMT' }), 200);
    assert.equal(await status({ 'If-Modified-Since': 'Mon, 23 Nov 2026 09:00:00 GMT' }), 200);
    assert.equal(await status({ 'If-Modified-Since': 'garbage' }), 200);
  });

  it('gives 304 only when both If-None-Match and If-Modified-Since agree', async () => {
    assert.equal(await status({ 'If-None-Match': ETAG, 'If-Modified-Since': 'Mon, 23 Nov 2026 09:00:00 GMT' }), 200);
    assert.equal(await status({ 'If-None-Match': '"nope"', 'If-Modified-Since': LAST_MODIFIED }), 200);
    assert.equal(await status({ 'If-None-Match': ETAG, 'If-Modified-Since': LAST_MODIFIED }), 304);
  });

  it('answers 412 for If-Match and If-Unmodified-Since failures, with nginx page', async () => {
    const r = await request('/r.txt', { 'If-Match': '"nope"' });
    assert.equal(r.status, 412);
    assert.equal(r.statusMessage, 'Precondition Failed');
    assert.equal(r.headers['content-type'], 'text/html');
    assert.equal(r.body, nginxPage('412 Precondition Failed'));
    assert.equal(r.headers['content-length'], String(r.body.length));
    assert.equal(r.headers.etag, undefined);
    assert.equal(r.headers['x-added'], undefined);
    assert.equal(r.headers['x-always'], 'yes');
    assert.equal(await status({ 'If-Match': `W/${ETAG}` }), 412);
    assert.equal(await status({ 'If-Unmodified-Since': 'Mon, 23 Nov 2026 09:00:00 GMT' }), 412);
    // nginx: an unparsable date is "before" any mtime.
    assert.equal(await status({ 'If-Unmodified-Since': 'garbage' }), 412);
    assert.equal(await status({ 'If-Unmodified-Since': LAST_MODIFIED }), 200);
    assert.equal(await status({ 'If-Unmodified-Since': 'Thu, 26 Nov 2026 09:00:00 GMT' }), 200);
    assert.equal(await status({ 'If-Match': `${ETAG} , "x"` }), 200);
    assert.equal(await status({ 'If-Match': '*' }), 200);
  });

  it('checks 412 before 304', async () => {
    assert.equal(await status({ 'If-Match': '"nope"', 'If-None-Match': ETAG }), 412);
  });

  it('answers 412 to HEAD without a body', async () => {
    const r = await request('/r.txt', { 'If-Match': '"nope"' }, 'HEAD');
    assert.equal(r.status, 412);
    assert.equal(r.body.length, 0);
  });
});

interface Part {
  type: string;
  range: string;
  body: string;
}

/** Parses multipart/byteranges strictly in nginx's layout; throws on anything else. */
function parseByteranges(contentType: string, text: string): { boundary: string; parts: Part[] } {
  const m = /^multipart\/byteranges; boundary=(\d{20})$/.exec(contentType);
  assert.ok(m, contentType);
  const boundary = m[1];
  const parts: Part[] = [];
  let p = 0;
  const expect = (s: string): void => {
    assert.equal(text.slice(p, p + s.length), s, `at ${p}`);
    p += s.length;
  };
  for (;;) {
    expect(`\r\n--${boundary}`);
    if (text.startsWith('--\r\n', p)) {
      p += 4;
      break;
    }
    expect('\r\nContent-Type: ');
    const typeEnd = text.indexOf('\r\n', p);
    const type = text.slice(p, typeEnd);
    p = typeEnd;
    expect('\r\nContent-Range: bytes ');
    const rangeEnd = text.indexOf('\r\n', p);
    const range = text.slice(p, rangeEnd);
    p = rangeEnd;
    expect('\r\n\r\n');
    const [, a, b] = /^(\d+)-(\d+)\/\d+$/.exec(range)!;
    const len = Number(b) - Number(a) + 1;
    parts.push({ type, range, body: text.slice(p, p + len) });
    p += len;
  }
  assert.equal(p, text.length);
  return { boundary, parts };
}

describe('ranges', () => {
  async function ranged(range: string, extra: Record<string, string> = {}) {
    return request('/r.txt', { Range: range, ...extra });
  }

  it('answers one range with 206 and Content-Range, without Accept-Ranges', async () => {
    const cases: [string, string, string][] = [
      ['bytes=0-3', 'bytes 0-3/20', '0123'],
      ['bytes=-5', 'bytes 15-19/20', 'fghij'],
      ['bytes=15-', 'bytes 15-19/20', 'fghij'],
      ['bytes=15-100', 'bytes 15-19/20', 'fghij'],
      ['bytes=-25', 'bytes 0-19/20', BODY],
      ['bytes=0-0', 'bytes 0-0/20', '0'],
      ['bytes= 0-3', 'bytes 0-3/20', '0123'],
      ['Bytes=0-1', 'bytes 0-1/20', '01'],
      ['bytes=01-02', 'bytes 1-2/20', '12'],
      ['bytes=0-3,30-40', 'bytes 0-3/20', '0123'],
    ];
    for (const [range, contentRange, body] of cases) {
      const r = await ranged(range);
      assert.equal(r.status, 206, range);
      assert.equal(r.statusMessage, 'Partial Content');
      assert.equal(r.headers['content-range'], contentRange, range);
      assert.equal(r.body, body, range);
      assert.equal(r.headers['content-length'], String(body.length));
      assert.equal(r.headers['content-type'], 'text/plain');
      assert.equal(r.headers.etag, ETAG);
      assert.equal(r.headers['last-modified'], LAST_MODIFIED);
      assert.equal(r.headers['accept-ranges'], undefined);
      assert.equal(r.headers['x-added'], 'yes');
    }
  });

  it('answers several ranges with multipart/byteranges in nginx layout', async () => {
    const r = await ranged('bytes=0-3,10-12');
    assert.equal(r.status, 206);
    // nginx 1.22: Content-Length 203 for this request (a 20-digit boundary).
    assert.equal(r.headers['content-length'], '203');
    assert.equal(r.body.length, 203);
    assert.equal(r.headers['accept-ranges'], undefined);
    assert.equal(r.headers.etag, ETAG);
    const { parts, boundary } = parseByteranges(r.headers['content-type']!, r.body);
    assert.deepEqual(parts, [
      { type: 'text/plain', range: '0-3/20', body: '0123' },
      { type: 'text/plain', range: '10-12/20', body: 'abc' },
    ]);
    // Overlapping ranges are kept as written, and the boundary counts up per response.
    const again = await ranged('bytes=0-1 , 5-6,1-2');
    const second = parseByteranges(again.headers['content-type']!, again.body);
    assert.deepEqual(second.parts.map((x) => x.body), ['01', '56', '12']);
    assert.equal(BigInt(second.boundary), BigInt(boundary) + 1n);
  });

  it('answers 416 with Content-Range: bytes */size and nginx page', async () => {
    for (const range of ['bytes=20-', 'bytes=5-3', 'bytes=abc', 'bytes=-0', 'bytes=3', 'bytes=0-1,', 'bytes=,0-1', 'bytes=0-1;2']) {
      const r = await ranged(range);
      assert.equal(r.status, 416, range);
      assert.equal(r.statusMessage, 'Requested Range Not Satisfiable');
      assert.equal(r.headers['content-range'], 'bytes */20');
      assert.equal(r.headers['content-type'], 'text/html');
      assert.equal(r.body, nginxPage('416 Requested Range Not Satisfiable'));
      // nginx adds even the `always` header twice here (its range filter sends the 416 page
      // after add_header ran for the 200): ngts adds it once.
      assert.equal(r.headers['x-always'], 'yes');
    }
  });

  it('sends the whole file when Range does not apply', async () => {
    for (const range of ['items=0-3', 'bytes=', 'bytes=0-9,0-10', 'bytes=0-19,0-19']) {
      const r = await ranged(range);
      assert.equal(r.status, 200, range);
      assert.equal(r.headers['accept-ranges'], 'bytes');
      assert.equal(r.body, BODY);
    }
    // Parts adding up to exactly the file size are still served as ranges.
    assert.equal((await ranged('bytes=0-9,0-9')).status, 206);
    const empty = await request('/empty.txt', { Range: 'bytes=0-' });
    assert.equal(empty.status, 200);
  });

  it('honours If-Range only on an exact ETag or date', async () => {
    assert.equal((await ranged('bytes=0-3', { 'If-Range': ETAG })).status, 206);
    assert.equal((await ranged('bytes=0-3', { 'If-Range': LAST_MODIFIED })).status, 206);
    assert.equal((await ranged('bytes=0-3', { 'If-Range': '"x"' })).status, 200);
    assert.equal((await ranged('bytes=0-3', { 'If-Range': `W/${ETAG}` })).status, 200);
    assert.equal((await ranged('bytes=0-3', { 'If-Range': 'Mon, 23 Nov 2026 09:00:00 GMT' })).status, 200);
  });

  it('lets 304 win over Range, and answers HEAD with 206 headers', async () => {
    assert.equal((await ranged('bytes=0-1', { 'If-None-Match': '*' })).status, 304);
    const head = await request('/r.txt', { Range: 'bytes=0-1,3-4' }, 'HEAD');
    assert.equal(head.status, 206);
    assert.equal(head.headers['content-length'], '198');
    assert.equal(head.body.length, 0);
  });
});

describe('methods and errors', () => {
  it('answers 405 for methods other than GET/HEAD/POST, before looking at the file', async () => {
    for (const method of ['PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      assert.equal((await request('/r.txt', {}, method)).status, 405, method);
    }
    assert.equal((await request('/missing.txt', {}, 'PUT')).status, 405);
  });

  it('answers POST with 405 on a file, 404 when missing, and 301 for a directory', async () => {
    assert.equal((await request('/r.txt', {}, 'POST')).status, 405);
    assert.equal((await request('/missing.txt', {}, 'POST')).status, 404);
    const dir = await request('/dir', {}, 'POST');
    assert.equal(dir.status, 301);
    assert.equal(dir.headers.location, `http://127.0.0.1:${site.port()}/dir/`);
  });

  it('serves a POST as GET after an error_page redirect (nginx changes the method)', async () => {
    const r = await request('/as-get/r.txt', {}, 'POST');
    assert.equal(r.status, 200);
    assert.equal(r.body, BODY);
    assert.equal(r.headers.etag, ETAG);
  });

  it('answers 404 for ENOENT and ENOTDIR, 301 for a directory', async () => {
    log.skip();
    const missing = await request('/missing.txt');
    assert.equal(missing.status, 404);
    assert.equal(missing.body, nginxPage('404 Not Found'));
    assert.equal((await request('/r.txt/x')).status, 404);
    // nginx's error-log wording for both.
    assert.deepEqual(log.lines(), [
      `[error] open() "${root}/missing.txt" failed (2: No such file or directory)`,
      `[error] open() "${root}/r.txt/x" failed (20: Not a directory)`,
    ]);
    const dir = await request('/dir?a=1');
    assert.equal(dir.status, 301);
    assert.equal(dir.headers.location, `http://127.0.0.1:${site.port()}/dir/?a=1`);
    assert.deepEqual(log.lines(), []);
  });

  it('answers 403 for a symlink loop (ELOOP), as nginx does, even to POST', async () => {
    fs.symlinkSync('loop-b', path.join(root, 'loop-a'));
    fs.symlinkSync('loop-a', path.join(root, 'loop-b'));
    log.skip();
    const r = await request('/loop-a');
    assert.equal(r.status, 403);
    assert.equal(r.body, nginxPage('403 Forbidden'));
    assert.equal((await request('/loop-a', {}, 'POST')).status, 403);
    const line = `[error] open() "${root}/loop-a" failed (40: Too many levels of symbolic links)`;
    assert.deepEqual(log.lines(), [line, line]);
  });

  it('follows a symlink to a file, as nginx does by default', async () => {
    fs.symlinkSync('r.txt', path.join(root, 'link.txt'));
    const r = await request('/link.txt');
    assert.equal(r.body, BODY);
    assert.equal(r.headers.etag, ETAG);
  });

  it('answers 404 for a file that is not regular (a FIFO), as nginx does', async () => {
    execFileSync('mkfifo', [path.join(root, 'fifo')]);
    log.skip();
    assert.equal((await request('/fifo')).status, 404);
    assert.deepEqual(log.lines(), [`[crit] "${root}/fifo" is not a regular file`]);
  });
});
