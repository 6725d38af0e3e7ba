// The Location header's exact bytes, as Debian's nginx 1.22.1 sends them for the same requests:
// the directory redirect escapes $uri with ngx_escape_uri(NGX_ESCAPE_URI) and keeps the arguments
// as received (also when reached through index or try_files); what a configuration writes
// (return, error_page) or what proxy_redirect rewrites goes out unescaped, spaces and UTF-8 bytes
// included, and a rewritten "/…" is made absolute.
import { hasFullResponse, parseHead } from '../helpers/raw.js';
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startSite, type Site } from './harness.js';

describe('Location escaping', () => {
  let site: Site;
  let upstream: http.Server;
  let port: number;

  /** The Location header of the answer to GET `target`, as bytes read in latin1. */
  async function location(target: string, host = 'one'): Promise<string | undefined> {
    const hostLine = host === '' ? '' : `Host: ${host}\r\n`;
    const reply = await site.raw(`GET ${target} HTTP/1.0\r\n${hostLine}\r\n`, { until: hasFullResponse });
    const head = parseHead(reply.text);
    assert.match(head.statusLine, /^HTTP\/1\.1 30[12] /, `${target}: ${head.statusLine}`);
    return head.headers.get('location');
  }

  /** UTF-8 bytes as the latin1 characters a raw socket reads them as. */
  const bytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

  before(async () => {
    // Sends the Location named by ?loc= (decoded), its UTF-8 bytes as they are.
    upstream = http.createServer((req, res) => {
      const loc = new URL(req.url!, 'http://x').searchParams.get('loc') ?? '/';
      res.writeHead(302, { Location: bytes(loc), 'Content-Length': 0 });
      res.end();
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const up = (upstream.address() as net.AddressInfo).port;
    site = await startSite(`
      server {
        listen 127.0.0.1:8080;
        root {{dir}}/html;
        location / { try_files $uri $uri/ =404; }
        location /plain/ { }
        location /ix/ { index "sub dir"; }
        location /ai/ { alias {{dir}}/html/; }
        location /relative/ { absolute_redirect off; }
        location /ret { return 301 /x$uri; }
        location /retlit { return 301 "/x y?a b"; }
        location /epurl { error_page 404 "http://e/x y$uri?$args"; }
        location /pr { proxy_pass http://127.0.0.1:${up}; proxy_redirect http://up/ "/r w/"; }
        location /px { proxy_pass http://127.0.0.1:${up}; }
      }`, {
      'html/dir sp/index.html': 'x',
      'html/a%b/index.html': 'x',
      'html/a?b/index.html': 'x',
      'html/a#b/index.html': 'x',
      'html/ü/index.html': 'x',
      'html/q"x <{|}>^`\\/index.html': 'x',
      'html/plain/dir sp/index.html': 'x',
      'html/ix/sub dir/index.html': 'x',
      'html/relative/dir sp/index.html': 'x',
    });
    port = site.port();
  });

  after(async () => {
    await site.close();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  it('a directory without its slash: $uri escaped, the arguments as sent', async () => {
    assert.equal(await location('/dir%20sp?q=1%202&b'), `http://one:${port}/dir%20sp/?q=1%202&b`);
    assert.equal(await location('/a%25b'), `http://one:${port}/a%25b/`);
    assert.equal(await location('/a%3Fb?x'), `http://one:${port}/a%3Fb/?x`);
    assert.equal(await location('/a%23b'), `http://one:${port}/a%23b/`);
    assert.equal(await location('/%C3%BC'), `http://one:${port}/%C3%BC/`);
    assert.equal(await location('/q%22x%20%3C%7B%7C%7D%3E%5E%60%5C'), `http://one:${port}/q%22x%20%3C%7B%7C%7D%3E%5E%60%5C/`);
    // Without try_files, through alias, through an index naming a directory.
    assert.equal(await location('/plain/dir%20sp'), `http://one:${port}/plain/dir%20sp/`);
    assert.equal(await location('/ai/dir%20sp?k'), `http://one:${port}/ai/dir%20sp/?k`);
    assert.equal(await location('/ix/?a'), `http://one:${port}/ix/sub%20dir/?a`);
  });

  it('absolute_redirect off: the escaped path alone', async () => {
    assert.equal(await location('/relative/dir%20sp?z'), '/relative/dir%20sp/?z');
  });

  it('return and error_page send what the configuration wrote, unescaped', async () => {
    assert.equal(await location('/ret%20a%3Fb%C3%BC?z=1'), `http://one:${port}/x/ret a?b${bytes('ü')}`);
    assert.equal(await location('/retlit'), `http://one:${port}/x y?a b`);
    assert.equal(await location('/epurl%20g?h=1'), 'http://e/x y/epurl g?h=1');
  });

  it('proxy_redirect: the rewritten Location unescaped and made absolute; one not rewritten passed as is', async () => {
    assert.equal(await location('/pr?loc=http://up/z%20y'), `http://one:${port}/r w/z y`);
    assert.equal(await location('/pr?loc=http://up/%C3%BC'), `http://one:${port}/r w/${bytes('ü')}`);
    assert.equal(await location('/px?loc=/a%20b/c%20d'), '/a b/c d');
  });
});
