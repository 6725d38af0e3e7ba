// include: paths relative to the main configuration's directory, glob patterns, cycles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadConfig, LoadFailure } from '../../src/config/load.js';
import { tempDir, writeTree } from '../helpers/repo.js';

function failure(fn: () => unknown): LoadFailure {
  try {
    fn();
  } catch (e) {
    if (e instanceof LoadFailure) return e;
    throw e;
  }
  assert.fail('expected a configuration error');
}

test('globbed includes, sorted, relative to the main config directory (not the prefix)', () => {
  const prefix = tempDir('inc');
  writeTree(prefix, {
    'etc/main.conf': 'events {}\nhttp { include sites/*.conf; include mime.types; }\n',
    'etc/mime.types': 'types { text/html html; }\n',
    'etc/sites/b.conf': 'server { listen 127.0.0.1:8002; server_name b; }\n',
    'etc/sites/a.conf': 'server { listen 127.0.0.1:8001; server_name a; }\n',
    'etc/sites/.hidden.conf': 'server { listen 127.0.0.1:8009; server_name hidden; }\n',
    'etc/sites/c.txt': 'this is not included;\n',
  });
  const { config } = loadConfig({ prefix, confFile: 'etc/main.conf' });
  assert.deepEqual(config.http!.servers.map((s) => s.serverNames[0]), ['a', 'b']);
  assert.deepEqual(config.http!.loc.types, { html: 'text/html' });
  assert.deepEqual(config.files, [
    path.join(prefix, 'etc/main.conf'), path.join(prefix, 'etc/sites/a.conf'),
    path.join(prefix, 'etc/sites/b.conf'), path.join(prefix, 'etc/mime.types'),
  ]);
});

test('a pattern that matches nothing is not an error', () => {
  const prefix = tempDir('inc');
  writeTree(prefix, { 'n.conf': 'events {}\nhttp { include conf.d/*.conf; }\n' });
  assert.equal(loadConfig({ prefix, confFile: 'n.conf' }).config.http!.servers.length, 0);
});

test('a missing plain file is an error at the include line', () => {
  const prefix = tempDir('inc');
  writeTree(prefix, { 'n.conf': 'events {}\n\nhttp { include missing.conf; }\n' });
  const e = failure(() => loadConfig({ prefix, confFile: 'n.conf' }));
  assert.equal(e.error.nginxText,
    `open() "${prefix}/missing.conf" failed (2: No such file or directory) in ${prefix}/n.conf:3`);
});

test('errors inside an included file name that file and line', () => {
  const prefix = tempDir('inc');
  writeTree(prefix, {
    'n.conf': 'events {}\nhttp { include site.conf; }\n',
    'site.conf': 'server {\n  listen 127.0.0.1:8080;\n  rot /x;\n}\n',
  });
  const e = failure(() => loadConfig({ prefix, confFile: 'n.conf' }));
  assert.equal(e.error.nginxText, `unknown directive "rot" in ${prefix}/site.conf:3`);
  assert.equal(e.error.hint, 'did you mean "root"?');
});

test('a syntax error inside an included file is reported after earlier directive errors', () => {
  const prefix = tempDir('inc');
  writeTree(prefix, {
    'n.conf': 'events {}\nhttp { include site.conf; }\n',
    'site.conf': 'server {\n  listen 127.0.0.1:8080;\n  root /x\n}\n',
  });
  const e = failure(() => loadConfig({ prefix, confFile: 'n.conf' }));
  assert.equal(e.error.nginxText, `unexpected "}" in ${prefix}/site.conf:4`);
});

test('include cycles are refused, directly and through another file', () => {
  const prefix = tempDir('inc');
  writeTree(prefix, {
    'self.conf': 'events {}\ninclude self.conf;\n',
    'a.conf': 'events {}\ninclude b.conf;\n',
    'b.conf': '\ninclude a.conf;\n',
  });
  const self = failure(() => loadConfig({ prefix, confFile: 'self.conf' }));
  assert.equal(self.error.nginxText,
    `include cycle: "${prefix}/self.conf" includes itself through "${prefix}/self.conf" in ${prefix}/self.conf:2`);
  const ab = failure(() => loadConfig({ prefix, confFile: 'a.conf' }));
  assert.equal(ab.error.nginxText,
    `include cycle: "${prefix}/a.conf" includes itself through "${prefix}/a.conf" -> "${prefix}/b.conf" in ${prefix}/b.conf:2`);
});

test('the same file included twice (no cycle) is fine', () => {
  const prefix = tempDir('inc');
  writeTree(prefix, {
    'n.conf': 'events {}\nhttp { server { listen 127.0.0.1:8001; include common.conf; } server { listen 127.0.0.1:8002; include common.conf; } }\n',
    'common.conf': 'autoindex on;\n',
  });
  const { config } = loadConfig({ prefix, confFile: 'n.conf' });
  assert.deepEqual(config.http!.servers.map((s) => s.loc.autoindex), [true, true]);
});
