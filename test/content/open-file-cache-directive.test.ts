// nginx's open_file_cache in a location: what was looked up is trusted for open_file_cache_valid
// without touching the file system — so, as with nginx, a file rewritten within that window is
// still served as it was — once it was used open_file_cache_min_uses times and unless it sat
// unused for `inactive`; open_file_cache_errors remembers failed lookups the same way. Without
// the directive (the default) every request looks at the file again (file-cache.test.ts).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DEFAULT_LIMITS, openFileCache } from '../../src/content/open-file-cache.js';
import { startSite, type Site } from '../http/harness.js';
import { ErrorLogReader, writeFixed } from './fixtures.js';

/** One server per setting; the config's listen ports only name them. */
const CACHING = '127.0.0.1:8080';
const PLAIN = '127.0.0.1:8081';
const VALID_1S = '127.0.0.1:8082';
const MIN_USES_2 = '127.0.0.1:8083';
const INACTIVE_1S = '127.0.0.1:8084';
const ERRORS = '127.0.0.1:8085';

let site: Site;
let root: string;

before(async () => {
  const cache = 'open_file_cache max=100 inactive=60s; open_file_cache_valid 60s;';
  site = await startSite(`
    types { text/plain txt; }
    root {{dir}}/html;
    server { listen ${CACHING}; ${cache} }
    server { listen ${PLAIN}; }
    server { listen ${VALID_1S}; open_file_cache max=100 inactive=60s; open_file_cache_valid 1s; }
    server { listen ${MIN_USES_2}; ${cache} open_file_cache_min_uses 2; }
    server { listen ${INACTIVE_1S}; open_file_cache max=100 inactive=1s; open_file_cache_valid 60s; }
    server { listen ${ERRORS}; ${cache} open_file_cache_errors on; }
  `, { html: null });
  root = path.join(site.dir, 'html');
});
after(() => site.close());

/** The fixtures were all just written: without racyMs 0 none would be cached. */
function settledCache(): void {
  openFileCache.limits = { ...DEFAULT_LIMITS, racyMs: 0, racyFineMs: 0 };
  openFileCache.clear();
}

async function body(server: string, uri: string, method = 'GET'): Promise<string> {
  const r = await site.get(uri, { method, port: site.port(server) });
  return `${r.status} ${r.status === 200 ? r.body : ''}`;
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
  beforeEach(settledCache);

  it('serves a file it looked up without looking again: a rewrite within open_file_cache_valid is not seen', async () => {
    const file = path.join(root, 'a.txt');
    await writeSettled(file, 'version one');
    assert.equal(await body(CACHING, '/a.txt'), '200 version one');
    writeFixed(file, 'version two, longer');
    assert.equal(await body(CACHING, '/a.txt'), '200 version one');
    assert.equal(await body(CACHING, '/a.txt'), '200 version one');
    assert.equal(await body(CACHING, '/a.txt', 'POST'), '405 ');
    fs.rmSync(file);
    assert.equal(await body(CACHING, '/a.txt'), '200 version one');
    writeFixed(file, 'version three');
    // A server without open_file_cache looks at the file on every request (and, the cache
    // being one per worker, what it finds replaces the entry for every location).
    assert.equal(await body(PLAIN, '/a.txt'), '200 version three');
  });

  it('trusts a file only after open_file_cache_min_uses uses', async () => {
    const file = path.join(root, 'c.txt');
    await writeSettled(file, 'one');
    assert.equal(await body(MIN_USES_2, '/c.txt'), '200 one');
    await writeSettled(file, 'two!');
    // Used once so far: looked up again.
    assert.equal(await body(MIN_USES_2, '/c.txt'), '200 two!');
    writeFixed(file, 'three');
    // Used twice: trusted from now on.
    assert.equal(await body(MIN_USES_2, '/c.txt'), '200 two!');
  });

  it('open_file_cache_errors on remembers a missing file; off looks again', async () => {
    const log = new ErrorLogReader(() => site.read('logs/error.log'));
    assert.equal(await body(ERRORS, '/late.txt'), '404 ');
    assert.equal(await body(CACHING, '/late2.txt'), '404 ');
    writeFixed(path.join(root, 'late.txt'), 'here');
    writeFixed(path.join(root, 'late2.txt'), 'here too');
    assert.equal(await body(ERRORS, '/late.txt'), '404 ');
    // nginx logs the cached failure as it logged the first one.
    const missing = `[error] open() "${root}/late.txt" failed (2: No such file or directory)`;
    assert.deepEqual(log.lines(), [missing, `[error] open() "${root}/late2.txt" failed (2: No such file or directory)`, missing]);
    assert.equal(await body(CACHING, '/late2.txt'), '200 here too');
  });
});

// The smallest window nginx's syntax allows is 1s: these two wait side by side.
describe('open_file_cache time windows', { concurrency: true }, () => {
  before(settledCache);

  it('looks at the file again once open_file_cache_valid has passed', async () => {
    const file = path.join(root, 'b.txt');
    await writeSettled(file, 'old');
    assert.equal(await body(VALID_1S, '/b.txt'), '200 old');
    // Taken once the answer is in: the lookup happened before this.
    const looked = Date.now();
    writeFixed(file, 'new!');
    await waitPast(looked, 1000);
    assert.equal(await body(VALID_1S, '/b.txt'), '200 new!');
  });

  it('forgets a file left unused for `inactive`', async () => {
    const file = path.join(root, 'd.txt');
    await writeSettled(file, 'first');
    assert.equal(await body(INACTIVE_1S, '/d.txt'), '200 first');
    writeFixed(file, 'second');
    assert.equal(await body(INACTIVE_1S, '/d.txt'), '200 first');
    // Taken once the answer is in: the last use happened before this.
    const used = Date.now();
    await waitPast(used, 1000);
    assert.equal(await body(INACTIVE_1S, '/d.txt'), '200 second');
  });
});
