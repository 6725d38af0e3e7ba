// nginx's location matching: the table from the nginx docs (location directive, configurations
// A–E), then nesting, ^~, regex order and captures, and named locations.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSite, type Site } from './harness.js';

describe('location matching: the example from nginx docs', () => {
  let site: Site;
  before(async () => {
    site = await startSite(`
      server {
        listen 127.0.0.1:8080;
        location = / { return 200 "A"; }
        location / { return 200 "B"; }
        location /documents/ { return 200 "C"; }
        location ^~ /images/ { return 200 "D"; }
        location ~* \\.(gif|jpg|jpeg)$ { return 200 "E"; }
      }
    `);
  });
  after(() => site.close());

  const table: [string, string][] = [
    ['/', 'A'],
    ['/index.html', 'B'],
    ['/documents/document.html', 'C'],
    ['/images/1.gif', 'D'],
    ['/documents/1.jpg', 'E'],
    ['/documents/1.JPG', 'E'],
    ['/?x=1', 'A'],
    ['/documents', 'B'],
    ['/images/../documents/x.html', 'C'],
    ['/%69mages/1.gif', 'D'],
  ];
  for (const [uri, expected] of table) {
    it(`${uri} → configuration ${expected}`, async () => {
      const r = await site.get(uri, { headers: { Host: 'x' } });
      assert.equal(r.status, 200);
      assert.equal(r.body, expected);
    });
  }
});

describe('nested, regex and named locations', () => {
  let site: Site;
  before(async () => {
    site = await startSite(`
      server {
        listen 127.0.0.1:8080;
        location /a/ {
          location /a/b/ { return 200 "nested-prefix"; }
          location ~ \\.txt$ { return 200 "nested-regex"; }
          return 200 "outer-prefix";
        }
        location ^~ /static/ {
          location ~ \\.css$ { return 200 "regex-inside-caret"; }
          return 200 "caret";
        }
        location ~ \\.txt$ { return 200 "outer-regex"; }
        location ~ ^/re/(\\d+)/(?<name>[a-z]+) { return 200 "first $1 $name"; }
        location ~ ^/re/ { return 200 "second"; }
        location ~ ^/CASE$ { return 200 "case-sensitive"; }
        location /exact { return 200 "prefix-exact"; }
        location = /exact { return 200 "exact"; }
        location /to-named { try_files /nonexistent @named; }
        location @named { return 200 "named $uri"; }
        location /@named { return 200 "literal-prefix"; }
      }
    `);
  });
  after(() => site.close());

  const table: [string, string][] = [
    ['/a/x', 'outer-prefix'],
    ['/a/b/c', 'nested-prefix'],
    ['/a/x.txt', 'nested-regex'],
    ['/a/b/x.txt', 'nested-regex'],
    ['/x.txt', 'outer-regex'],
    ['/static/x.txt', 'caret'],
    ['/static/x.css', 'regex-inside-caret'],
    ['/re/42/abc', 'first 42 abc'],
    ['/re/x', 'second'],
    ['/exact', 'exact'],
    ['/exactly', 'prefix-exact'],
    ['/to-named', 'named /to-named'],
    ['/@named', 'literal-prefix'],
  ];
  for (const [uri, expected] of table) {
    it(`${uri} → ${expected}`, async () => {
      const r = await site.get(uri, { headers: { Host: 'x' } });
      assert.equal(r.body, expected);
    });
  }

  it('"~" is case-sensitive: /case matches no location and gets 404', async () => {
    const r = await site.get('/case', { headers: { Host: 'x' } });
    assert.equal(r.status, 404);
  });
});
