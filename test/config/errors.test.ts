// Golden error configs: each file in test/fixtures/config-errors states, in its first lines, the
// exact nginx-style message it must produce (expected values taken from nginx 1.22 where nginx
// has the same directive) and optionally the hint ngts adds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, LoadFailure } from '../../src/config/load.js';
import { FIXTURES } from '../helpers/repo.js';

const dir = path.join(FIXTURES, 'config-errors');

for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.conf')).sort()) {
  const file = path.join(dir, name);
  const text = fs.readFileSync(file, 'utf8');
  const expect = /^# expect: (.*)$/m.exec(text)![1].replace('{file}', file);
  const hint = /^# hint: (.*)$/m.exec(text)?.[1];
  test(`config error: ${name}`, () => {
    let failure: LoadFailure | undefined;
    try {
      loadConfig({ prefix: dir, confFile: file });
    } catch (e) {
      if (!(e instanceof LoadFailure)) throw e;
      failure = e;
    }
    assert.ok(failure, `${name} loaded without error`);
    assert.equal(failure.error.nginxText, expect);
    assert.equal(failure.error.code, 'NGTS_CONFIG');
    if (hint !== undefined) assert.equal(failure.error.hint, hint);
  });
}
