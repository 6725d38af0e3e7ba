// The open-file cache: small files served from memory, a changed file served fresh on the very
// next request (same size or not, even with its mtime put back), and the entry/byte bounds.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DEFAULT_LIMITS, openFileCache } from '../../src/content/open-file-cache.js';
import { request } from '../helpers/http-client.js';
import { FIXED_MTIME, makeTempRoot, startSite, writeFixed, type Site } from './site.js';

let site: Site;
let root: string;

function cachedBody(file: string): Buffer | null | undefined {
  return openFileCache.lookup(file, fs.statSync(file))?.body;
}

before(async () => {
  root = makeTempRoot('cache');
  site = await startSite(root, { types: { txt: 'text/plain' } });
});
after(async () => {
  await site.close();
  fs.rmSync(root, { recursive: true, force: true });
});
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
    const first = await request(site.port, '/hot.txt');
    assert.equal(first.body, 'hot content');
    assert.equal(cachedBody(file)?.toString(), 'hot content');
    const second = await request(site.port, '/hot.txt');
    assert.equal(second.body, 'hot content');
    assert.equal(second.headers.etag, first.headers.etag);
  });

  it('serves a same-size rewrite fresh on the next request', async () => {
    const file = path.join(root, 'same.txt');
    writeFixed(file, 'version-1');
    assert.equal((await request(site.port, '/same.txt')).body, 'version-1');
    assert.ok(cachedBody(file));
    fs.writeFileSync(file, 'version-2');
    const r = await request(site.port, '/same.txt');
    assert.equal(r.body, 'version-2');
  });

  it('serves a same-size rewrite fresh even when the mtime is put back (ctime differs)', async () => {
    const file = path.join(root, 'sneaky.txt');
    writeFixed(file, 'aaaa');
    assert.equal((await request(site.port, '/sneaky.txt')).body, 'aaaa');
    assert.ok(cachedBody(file));
    rewriteUntilStatChanges(file, 'bbbb', FIXED_MTIME);
    const r = await request(site.port, '/sneaky.txt');
    assert.equal(r.body, 'bbbb');
    // Same mtime and size: nginx's ETag is the same too, as it would be in nginx.
    assert.equal(r.headers.etag, `"${FIXED_MTIME.toString(16)}-4"`);
  });

  it('serves a different-size rewrite fresh, with new length and ETag', async () => {
    const file = path.join(root, 'grow.txt');
    writeFixed(file, 'short');
    const before = await request(site.port, '/grow.txt');
    assert.equal(before.headers['content-length'], '5');
    fs.writeFileSync(file, 'much longer now');
    const r = await request(site.port, '/grow.txt');
    assert.equal(r.body, 'much longer now');
    assert.equal(r.headers['content-length'], '15');
    assert.notEqual(r.headers.etag, before.headers.etag);
  });

  it('serves a file replaced by rename fresh, and a deleted one as not found', async () => {
    const file = path.join(root, 'swap.txt');
    writeFixed(file, 'old!');
    assert.equal((await request(site.port, '/swap.txt')).body, 'old!');
    writeFixed(path.join(root, 'swap.tmp'), 'new!');
    fs.renameSync(path.join(root, 'swap.tmp'), file);
    assert.equal((await request(site.port, '/swap.txt')).body, 'new!');
    fs.unlinkSync(file);
    assert.equal((await request(site.port, '/swap.txt')).status, 404);
  });

  it('never caches content written within the timestamp granularity, so rapid rewrites are fresh', async () => {
    openFileCache.limits = { ...DEFAULT_LIMITS };
    const file = path.join(root, 'racy.txt');
    for (let i = 0; i < 20; i++) {
      const content = `racy-${String(i).padStart(2, '0')}`;
      fs.writeFileSync(file, content);
      assert.equal((await request(site.port, '/racy.txt')).body, content);
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
    assert.equal((await request(site.port, '/fine.txt')).body, 'fine');
    if (Date.now() - changed <= DEFAULT_LIMITS.racyFineMs) assert.equal(cachedBody(file), undefined);
    while (Date.now() - changed <= DEFAULT_LIMITS.racyFineMs + 1) await new Promise((r) => setTimeout(r, 10));
    assert.equal((await request(site.port, '/fine.txt')).body, 'fine');
    assert.equal(cachedBody(file)?.toString(), 'fine');
    assert.ok(DEFAULT_LIMITS.racyFineMs < DEFAULT_LIMITS.racyMs);
  });

  it('is bounded in entries', async () => {
    openFileCache.limits = { ...SETTLED_NOW, maxEntries: 4 };
    for (let i = 0; i < 12; i++) writeFixed(path.join(root, 'many', `${i}.txt`), `file ${i}`);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 12; i++) {
        assert.equal((await request(site.port, `/many/${i}.txt`)).body, `file ${i}`);
        assert.ok(openFileCache.size <= 4, `size ${openFileCache.size}`);
      }
    }
  });

  it('is bounded in bytes', async () => {
    openFileCache.limits = { ...SETTLED_NOW, maxBytes: 4000 };
    const kib = 'k'.repeat(1024);
    for (let i = 0; i < 10; i++) writeFixed(path.join(root, 'kib', `${i}.txt`), kib + i);
    for (let i = 0; i < 10; i++) {
      assert.equal((await request(site.port, `/kib/${i}.txt`)).body, kib + i);
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
    const r = await request(site.port, '/large.txt');
    assert.equal(r.status, 200);
    assert.ok(r.bytes.equals(content));
    assert.equal(r.headers['content-length'], '5000');
    const entry = openFileCache.lookup(file, fs.statSync(file));
    assert.ok(entry);
    assert.equal(entry.body, null);
    fs.writeFileSync(file, 'now small');
    assert.equal((await request(site.port, '/large.txt')).body, 'now small');
  });

  it('keeps one cached file correct for locations with different types', async () => {
    const file = path.join(root, 'typed.txt');
    writeFixed(file, 'typed');
    const other = await startSite(root, { types: { txt: 'text/x-other' } });
    try {
      assert.equal((await request(site.port, '/typed.txt')).headers['content-type'], 'text/plain');
      assert.equal((await request(other.port, '/typed.txt')).headers['content-type'], 'text/x-other');
      assert.equal((await request(site.port, '/typed.txt')).headers['content-type'], 'text/plain');
    } finally {
      await other.close();
    }
  });
});
