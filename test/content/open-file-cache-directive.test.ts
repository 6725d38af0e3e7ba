// nginx's open_file_cache in a location: what was looked up is trusted for open_file_cache_valid
// without touching the file system — so, as with nginx, a file rewritten within that window is
// still served as it was — once it was used open_file_cache_min_uses times and unless it sat
// unused for `inactive`; open_file_cache_errors remembers failed lookups the same way. Without
// the directive (the default) every request looks at the file again (file-cache.test.ts).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { MergedLocConf } from '../../src/config/types.js';
import { DEFAULT_LIMITS, openFileCache } from '../../src/content/open-file-cache.js';
import { request } from '../helpers/http-client.js';
import { makeTempRoot, startSite, writeFixed, type Site } from './site.js';

let root: string;
const sites: Site[] = [];

before(() => {
  root = makeTempRoot('ofc');
});
after(async () => {
  for (const s of sites) await s.close();
  fs.rmSync(root, { recursive: true, force: true });
});
// The fixtures were all just written: without racyMs 0 none would be cached.
beforeEach(() => {
  openFileCache.limits = { ...DEFAULT_LIMITS, racyMs: 0, racyFineMs: 0 };
  openFileCache.clear();
});

/** A site whose location has `open_file_cache max=100` and these settings (times in ms). */
async function cachingSite(settings: Partial<MergedLocConf> = {}): Promise<Site> {
  const site = await startSite(root, {
    types: { txt: 'text/plain' },
    openFileCache: { max: 100, inactive: 60_000 },
    openFileCacheValid: 60_000,
    ...settings,
  });
  sites.push(site);
  return site;
}

async function body(site: Site, uri: string, method = 'GET'): Promise<string> {
  const r = await request(site.port, uri, { method });
  return `${r.status} ${r.body}`;
}

/**
 * Writes `file` and waits until its change lies in the past of Date.now(): content read in the
 * same millisecond as the file's ctime is served but never cached (open-file-cache.ts, the racy
 * rule), and these tests need it cached.
 */
async function writeSettled(file: string, content: string): Promise<void> {
  writeFixed(file, content);
  const changed = fs.statSync(file).ctimeMs;
  while (Date.now() <= changed + 1) await new Promise((r) => setTimeout(r, 1));
}

/** Waits until `ms` have passed since `since` (a condition on the clock, for the time windows). */
async function waitPast(since: number, ms: number): Promise<void> {
  while (Date.now() - since <= ms) await new Promise((r) => setTimeout(r, 5));
}

describe('open_file_cache', () => {
  it('serves a file it looked up without looking again: a rewrite within open_file_cache_valid is not seen', async () => {
    const site = await cachingSite();
    const plain = await startSite(root, { types: { txt: 'text/plain' } });
    sites.push(plain);
    const file = path.join(root, 'a.txt');
    await writeSettled(file, 'version one');
    assert.equal(await body(site, '/a.txt'), '200 version one');
    writeFixed(file, 'version two, longer');
    assert.equal(await body(site, '/a.txt'), '200 version one');
    assert.equal(await body(site, '/a.txt'), '200 version one');
    assert.equal(await body(site, '/a.txt', 'POST'), '405 ');
    fs.rmSync(file);
    assert.equal(await body(site, '/a.txt'), '200 version one');
    writeFixed(file, 'version three');
    // A location without open_file_cache looks at the file on every request (and, the cache
    // being one per worker, what it finds replaces the entry for every location).
    assert.equal(await body(plain, '/a.txt'), '200 version three');
  });

  it('looks at the file again once open_file_cache_valid has passed', async () => {
    const site = await cachingSite({ openFileCacheValid: 100 });
    const file = path.join(root, 'b.txt');
    await writeSettled(file, 'old');
    assert.equal(await body(site, '/b.txt'), '200 old');
    // Taken once the answer is in: the lookup happened before this.
    const looked = Date.now();
    writeFixed(file, 'new!');
    await waitPast(looked, 100);
    assert.equal(await body(site, '/b.txt'), '200 new!');
  });

  it('trusts a file only after open_file_cache_min_uses uses', async () => {
    const site = await cachingSite({ openFileCacheMinUses: 2 });
    const file = path.join(root, 'c.txt');
    await writeSettled(file, 'one');
    assert.equal(await body(site, '/c.txt'), '200 one');
    await writeSettled(file, 'two!');
    // Used once so far: looked up again.
    assert.equal(await body(site, '/c.txt'), '200 two!');
    writeFixed(file, 'three');
    // Used twice: trusted from now on.
    assert.equal(await body(site, '/c.txt'), '200 two!');
  });

  it('forgets a file left unused for `inactive`', async () => {
    const site = await cachingSite({ openFileCache: { max: 100, inactive: 100 } });
    const file = path.join(root, 'd.txt');
    await writeSettled(file, 'first');
    assert.equal(await body(site, '/d.txt'), '200 first');
    writeFixed(file, 'second');
    assert.equal(await body(site, '/d.txt'), '200 first');
    // Taken once the answer is in: the last use happened before this.
    const used = Date.now();
    await waitPast(used, 100);
    assert.equal(await body(site, '/d.txt'), '200 second');
  });

  it('open_file_cache_errors on remembers a missing file; off looks again', async () => {
    const remembers = await cachingSite({ openFileCacheErrors: true });
    const forgets = await cachingSite();
    assert.equal((await body(remembers, '/late.txt')).slice(0, 3), '404');
    assert.equal((await body(forgets, '/late2.txt')).slice(0, 3), '404');
    writeFixed(path.join(root, 'late.txt'), 'here');
    writeFixed(path.join(root, 'late2.txt'), 'here too');
    assert.equal((await body(remembers, '/late.txt')).slice(0, 3), '404');
    // nginx logs the cached failure as it logged the first one.
    assert.deepEqual(remembers.logs.filter((l) => l.includes('late.txt')).length, 2);
    assert.equal(await body(forgets, '/late2.txt'), '200 here too');
  });
});
