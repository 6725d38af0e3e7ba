// The Content-Type of `return 200 "text"` follows the rule of static files (ngx_http_set_exten,
// ngx_http_set_content_type): a dotfile has no extension, the extension is lowercased, and only
// the `types` entries count. Expected values from Debian's nginx 1.22 on the same config.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSite, type Site } from './harness.js';

describe('Content-Type of a text the core returns', () => {
  let site: Site;
  before(async () => {
    site = await startSite(`
      types { text/x-hidden hidden; text/x-ctor constructor; }
      default_type x/default;
      server {
        listen 127.0.0.1:8080;
        root {{dir}}/html;
        location /static/ { }
        location / { return 200 "x"; }
      }
    `, { 'html/static/.hidden': 'h', 'html/static/a.toString': 's' });
  });
  after(() => site.close());

  const table: [string, string][] = [
    ['/.hidden', 'x/default'],
    ['/a/.hidden', 'x/default'],
    ['/a.hidden', 'text/x-hidden'],
    ['/x.HIDDEN', 'text/x-hidden'],
    ['/a.constructor', 'text/x-ctor'],
    // Not a `types` entry, though every JavaScript object has it.
    ['/a.toString', 'x/default'],
  ];
  for (const [uri, type] of table) {
    it(`return: ${uri} → ${type}`, async () => {
      const r = await site.get(uri);
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], type);
    });
  }

  it('a static file gets the same answer as return', async () => {
    assert.equal((await site.get('/static/.hidden')).headers['content-type'], 'x/default');
    assert.equal((await site.get('/static/a.toString')).headers['content-type'], 'x/default');
  });
});
