// No request can read outside root/alias, whatever its spelling: raw sockets, so that no client
// library normalizes the target first.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { hasFullResponse, parseHead } from '../helpers/raw.js';
import { startSite, type Site } from './harness.js';

describe('path traversal and odd spellings', () => {
  let site: Site;
  before(async () => {
    site = await startSite(`
      server {
        listen 127.0.0.1:8080;
        root {{dir}}/html;
        location /img { alias {{dir}}/images/; }
        location /nest/ { alias {{dir}}/images/; location /nest/deep/ { } }
        location ~ ^/cap/(.*)$ { alias {{dir}}/images/$1; }
      }
    `, {
      'secret.txt': 'SECRET\n',
      'html/file.txt': 'hello\n',
      'html/.hidden': 'dotfile\n',
      'html/sub/inner.txt': 'inner\n',
      'images/pic.txt': 'picture\n',
      'images/deep/d.txt': 'deep\n',
    });
    fs.symlinkSync(path.join(site.dir, 'html/file.txt'), path.join(site.dir, 'html/link.txt'));
  });
  after(() => site.close());

  /** GET `target` byte for byte (raw: no client library touches it). */
  async function rawGet(target: string): Promise<{ status: number; body: string }> {
    const r = await site.raw(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, { until: hasFullResponse });
    const head = parseHead(r.text);
    return { status: Number(head.statusLine.split(' ')[1]), body: head.body };
  }

  const badRequests = [
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/sub/../../secret.txt',
    '/sub/%2e%2e/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e%2fsecret.txt',
    '/sub/..%2f..%2fsecret.txt',
    '/%00',
    '/file.txt%00.html',
    '/bad%zzescape',
    '/img/../../secret.txt',
    '/cap/..%2f..%2fsecret.txt',
  ];
  for (const target of badRequests) {
    it(`${target} → 400`, async () => {
      const r = await rawGet(target);
      assert.equal(r.status, 400);
      assert.ok(!r.body.includes('SECRET'));
    });
  }

  const notFound = [
    '/a\\..\\..\\secret.txt',
    '/%5c..%5c..%5csecret.txt',
    '/%c0%ae%c0%ae/secret.txt',
    '/%c0%ae%c0%ae%c0%afsecret.txt',
    '/img../secret.txt',
  ];
  for (const target of notFound) {
    it(`${target} → 404, never the secret`, async () => {
      const r = await rawGet(target);
      assert.equal(r.status, 404);
      assert.ok(!r.body.includes('SECRET'));
    });
  }

  it('/file.txt/ (a file used as a directory) is 404', async () => {
    assert.equal((await rawGet('/file.txt/')).status, 404);
  });

  it('resolves what stays inside: /sub/../file.txt, //file.txt, /./file.txt, %2f', async () => {
    for (const t of ['/sub/../file.txt', '//file.txt', '/./file.txt', '/sub%2f..%2ffile.txt', '/%66ile.txt']) {
      const r = await rawGet(t);
      assert.equal(r.status, 200, t);
      assert.equal(r.body, 'hello\n', t);
    }
  });

  it('dotfiles and symlinks are served, as nginx does by default', async () => {
    assert.equal((await rawGet('/.hidden')).body, 'dotfile\n');
    assert.equal((await rawGet('/link.txt')).body, 'hello\n');
  });

  it('alias replaces the location prefix; regex alias uses captures', async () => {
    assert.equal((await rawGet('/img/pic.txt')).body, 'picture\n');
    assert.equal((await rawGet('/cap/pic.txt')).body, 'picture\n');
    // A nested location inherits the alias with the prefix of the location that set it.
    assert.equal((await rawGet('/nest/deep/d.txt')).body, 'deep\n');
  });
});
