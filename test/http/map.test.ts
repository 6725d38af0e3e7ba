// `map` at request time: a variable of its configuration, evaluated only when a template asks for
// it and at most once per request (nginx caches non-volatile values); maps may use maps; an
// unknown variable in a map is refused at load, as nginx does.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig, LoadFailure } from '../../src/config/load.js';
import { checkHttpConfig } from '../../src/http/validate.js';
import { registerVariable } from '../../src/http/variables.js';
import { tempDir } from '../helpers/repo.js';
import { startSite, type Site } from './harness.js';

// Counts its evaluations: shows when, and how often, a map reads its source.
let evaluations = 0;
registerVariable('test_map_counter', () => String(++evaluations));

describe('map', () => {
  let site: Site;
  before(async () => {
    site = await startSite(`
      map $test_map_counter $counted { default "n$test_map_counter"; }
      map $http_x $first { default none; ~^a(b)?c$ regex; }
      map $first $second { none was-none; regex was-regex; }
      server {
        listen 127.0.0.1:8080;
        location /twice { return 200 "$counted $counted"; }
        location /unused { return 200 "plain"; }
        location /chain { return 200 "$second"; }
      }
    `);
  });
  after(() => site.close());

  it('is evaluated once per request, its value reused', async () => {
    const before = evaluations;
    const r = await site.get('/twice');
    // The source was read once (n+1) and the value template once (n+2), then cached.
    assert.equal(r.body, `n${before + 2} n${before + 2}`);
    assert.equal(evaluations, before + 2);
    const next = await site.get('/twice');
    assert.equal(next.body, `n${before + 4} n${before + 4}`);
  });

  it('is not evaluated when nothing uses it', async () => {
    const before = evaluations;
    assert.equal((await site.get('/unused')).body, 'plain');
    assert.equal(evaluations, before);
  });

  it('a map may use another map', async () => {
    assert.equal((await site.get('/chain', { headers: { X: 'abc' } })).body, 'was-regex');
    assert.equal((await site.get('/chain', { headers: { X: 'zzz' } })).body, 'was-none');
  });

  it('an unknown variable in a map is a load error', () => {
    const dir = tempDir('map');
    fs.writeFileSync(path.join(dir, 'n.conf'), 'events {}\nhttp { map $no_such_thing $m { default 1; } }\n');
    assert.throws(() => checkHttpConfig(loadConfig({ prefix: dir, confFile: 'n.conf' })), (e: unknown) => {
      assert.ok(e instanceof LoadFailure);
      assert.equal(e.error.nginxText, 'unknown "no_such_thing" variable');
      return true;
    });
  });
});
