// The README's directive table lists exactly the directives of the directive tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { allDirectives } from '../../src/config/directives/index.js';
import { NGINX_ONLY_DIRECTIVES } from '../../src/config/directives/nginx-only.js';
import { REPO_ROOT } from '../helpers/repo.js';

test('README lists every supported directive, and only those', () => {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.split('## Supported directives')[1].split('\n## ')[0];
  const listed = [...section.matchAll(/^\| `([a-z_0-9]+)` \| ([^|]+) \|/gm)].map((m) => `${m[1]} (${m[2].trim()})`);
  const defined = allDirectives.map((d) => `${d.name} (${d.name === 'include' ? 'any' : d.contexts.join(', ')})`);
  assert.deepEqual(listed.sort(), defined.sort());
});

test('no directive is both supported and listed as nginx-only', () => {
  for (const d of allDirectives) assert.ok(!NGINX_ONLY_DIRECTIVES.has(d.name), d.name);
});
