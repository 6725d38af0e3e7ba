// The open-file cache: small files served from memory, a changed file served fresh on the very
// next request (same size or not, even with its mtime put back), and the entry/byte bounds.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DEFAULT_LIMITS, openFileCache } from '../../src/content/open-file-cache.js';
import { startSite, type Site } from '../http/harness.js';
import { FIXED_MTIME, writeFixed } from './fixtures.js';

let site: Site;
let root: string;

function cachedBody(file: string): Buffer | null | undefined {
  return openFileCache.lookup(file, fs.statSync(file))?.body;
}

before(async () => {
  site = await startSite(`
    server {
      listen 127.0.0.1:8080;
      root {{dir}}/html;
      types { text/plain txt; }
      # The same files under other types.
      location /other/ { alias {{dir}}/html/; types { text/x-other txt; } }
    }
  `, { html: null });
  root = path.join(site.dir, 'html');
});
after(() => site.close());

async function body(uri: string): Promise<string> {
  return (await site.get(uri)).body;
}
// The fixtures were all just written: without racyMs 0 none would be cached. Tests that rewrite
// a file then make sure its stat identity really changed (see rewriteUntilStatChanges).
const SETTLED_NOW = { ...DEFAULT_LIMITS, racyMs: 0, racyFineMs: 0 };
beforeEach(() => {
  openFileCache.limits = { ...SETTLED_NOW };
  openFileCache.clear();
});

/** Rewrites until ctime moves on to another timestamp tick (a few ms at most). */
function rewriteUntilStatChanges(file: string, content: string, mtime: number): void {
  const old = fs.statSync(file);
  for (;;) {
    writeFixed(file, content, mtime);
    if (fs.statSync(file).ctimeMs !== old.ctimeMs) return;
  }
}

describe('open-file cache', () => {
  it('keeps a small settled file in memory with its headers', async () => {
    const file = path.join(root, 'hot.txt');
    writeFixed(file, 'hot content');
    const first = await site.get('/hot.txt');
    assert.equal(first.body, 'hot content');
    assert.equal(cachedBody(file)?.toString(), 'hot content');
    const second = await site.get('/hot.txt');
    assert.equal(second.body, 'hot content');
    assert.equal(second.headers.etag, first.headers.etag);
  });

  it('serves a same-size rewrite fresh on the next request', async () => {
    const file = path.join(root, 'same.txt');
    writeFixed(file, 'version-1');
    assert.equal(await body('/same.txt'), 'version-1');
    assert.ok(cachedBody(file));
    fs.writeFileSync(file, 'version-2');
    const r = await site.get('/same.txt');
    assert.equal(r.body, 'version-2');
  });

  it('serves a same-size rewrite fresh even when the mtime is put back (ctime differs)', async () => {
    const file = path.join(root, 'sneaky.txt');
    writeFixed(file, 'aaaa');
    assert.equal(await body('/sneaky.txt'), 'aaaa');
    assert.ok(cachedBody(file));
    rewriteUntilStatChanges(file, 'bbbb', FIXED_MTIME);
    const r = await site.get('/sneaky.txt');
    assert.equal(r.body, 'bbbb');
    // Same mtime and size: nginx's ETag is the same too, as it would be in nginx.
    assert.equal(r.headers.etag, `"${FIXED_MTIME.toString(16)}-4"`);
  });

  it('serves a different-size rewrite fresh, with new length and ETag', async () => {
    const file = path.join(root, 'grow.txt');
    writeFixed(file, 'short');
    const before = await site.get('/grow.txt');
    assert.equal(before.headers['content-length'], '5');
    fs.writeFileSync(file, 'much longer now');
    const r = await site.get('/grow.txt');
    assert.equal(r.body, 'much longer now');
    assert.equal(r.headers['content-length'], '15');
    assert.notEqual(r.headers.etag, before.headers.etag);
  });

  it('serves a file replaced by rename fresh, and a deleted one as not found', async () => {
    const file = path.join(root, 'swap.txt');
    writeFixed(file, 'old!');
    assert.equal(await body('/swap.txt'), 'old!');
    writeFixed(path.join(root, 'swap.tmp'), 'new!');
    fs.renameSync(path.join(root, 'swap.tmp'), file);
    assert.equal(await body('/swap.txt'), 'new!');
    fs.unlinkSync(file);
    assert.equal((await site.get('/swap.txt')).status, 404);
  });

  it('never caches content written within the timestamp granularity, so rapid rewrites are fresh', async () => {
    openFileCache.limits = { ...DEFAULT_LIMITS };
    const file = path.join(root, 'racy.txt');
    for (let i = 0; i < 20; i++) {
      const content = `racy-${String(i).padStart(2, '0')}`;
      fs.writeFileSync(file, content);
      assert.equal(await body('/racy.txt'), content);
    }
    assert.equal(cachedBody(file), undefined);
  });

  it('caches a file with fine timestamps once racyFineMs has passed since its change, not 2 s', async (t) => {
    openFileCache.limits = { ...DEFAULT_LIMITS };
    const file = path.join(root, 'fine.txt');
    fs.writeFileSync(file, 'fine');
    const st = fs.statSync(file);
    if (st.mtimeMs % 1000 === 0 || st.ctimeMs % 1000 === 0) return t.skip('this file system keeps whole-second timestamps');
    const changed = Math.max(st.mtimeMs, st.ctimeMs);
    assert.equal(await body('/fine.txt'), 'fine');
    if (Date.now() - changed <= DEFAULT_LIMITS.racyFineMs) assert.equal(cachedBody(file), undefined);
    while (Date.now() - changed <= DEFAULT_LIMITS.racyFineMs + 1) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await body('/fine.txt'), 'fine');
    assert.equal(cachedBody(file)?.toString(), 'fine');
    assert.ok(DEFAULT_LIMITS.racyFineMs < DEFAULT_LIMITS.racyMs);
  });

  it('is bounded in entries', async () => {
    openFileCache.limits = { ...SETTLED_NOW, maxEntries: 4 };
    for (let i = 0; i < 12; i++) writeFixed(path.join(root, 'many', `${i}.txt`), `file ${i}`);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 12; i++) {
        assert.equal(await body(`/many/${i}.txt`), `file ${i}`);
        assert.ok(openFileCache.size <= 4, `size ${openFileCache.size}`);
      }
    }
  });

  it('is bounded in bytes', async () => {
    openFileCache.limits = { ...SETTLED_NOW, maxBytes: 4000 };
    const kib = 'k'.repeat(1024);
    for (let i = 0; i < 10; i++) writeFixed(path.join(root, 'kib', `${i}.txt`), kib + i);
    for (let i = 0; i < 10; i++) {
      assert.equal(await body(`/kib/${i}.txt`), kib + i);
      assert.ok(openFileCache.contentBytes <= 4000, `bytes ${openFileCache.contentBytes}`);
    }
    assert.ok(openFileCache.size >= 1);
  });

  it('streams files above the size limit and caches only their headers', async () => {
    openFileCache.limits = { ...SETTLED_NOW, maxFileSize: 1000 };
    const file = path.join(root, 'large.txt');
    const content = Buffer.alloc(5000, 'z');
    content.write('start', 0);
    content.write('end', 4997);
    writeFixed(file, content);
    const r = await site.get('/large.txt');
    assert.equal(r.status, 200);
    assert.equal(r.body, content.toString());
    assert.equal(r.headers['content-length'], '5000');
    const entry = openFileCache.lookup(file, fs.statSync(file));
    assert.ok(entry);
    assert.equal(entry.body, null);
    fs.writeFileSync(file, 'now small');
    assert.equal(await body('/large.txt'), 'now small');
  });

  it('keeps one cached file correct for locations with different types', async () => {
    const file = path.join(root, 'typed.txt');
    writeFixed(file, 'typed');
    assert.equal((await site.get('/typed.txt')).headers['content-type'], 'text/plain');
    assert.equal((await site.get('/other/typed.txt')).headers['content-type'], 'text/x-other');
    assert.equal((await site.get('/typed.txt')).headers['content-type'], 'text/plain');
  });
});
