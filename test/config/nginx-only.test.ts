// Directives of nginx that ngts lacks say "not supported by ngts", in every context nginx has them
// (http, server, location, upstream, main: stream {} and mail {} too); a name nginx does not have
// is still an unknown directive with a hint; and ngts's own directives are never on the list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, LoadFailure } from '../../src/config/load.js';
import { NGINX_ONLY_DIRECTIVES } from '../../src/config/directives/nginx-only.js';
import { directiveTable } from '../../src/config/directives/index.js';

function loadError(text: string): { message: string; hint: string | undefined } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ngts-nginx-only-'));
  try {
    fs.writeFileSync(path.join(dir, 'nginx.conf'), text);
    loadConfig({ prefix: dir, confFile: 'nginx.conf' });
  } catch (e) {
    if (!(e instanceof LoadFailure)) throw e;
    return { message: e.error.nginxText.replace(` in ${path.join(dir, 'nginx.conf')}`, ' in {file}'), hint: e.error.hint };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  throw new Error('the configuration loaded');
}

// Each sample in a context where nginx accepts it.
const SAMPLES: [name: string, conf: string, line: number][] = [
  ['uwsgi_param', 'events {}\nhttp {\n  server { location / { uwsgi_param QUERY_STRING $query_string; } }\n}\n', 3],
  ['fastcgi_keep_conn', 'events {}\nhttp {\n  fastcgi_keep_conn on;\n}\n', 3],
  ['ssl_stapling_verify', 'events {}\nhttp {\n  server {\n    ssl_stapling_verify on;\n  }\n}\n', 4],
  ['grpc_pass', 'events {}\nhttp { server { location / {\n  grpc_pass grpc://127.0.0.1:9000;\n} } }\n', 3],
  ['limit_req_zone', 'events {}\nhttp {\n  limit_req_zone $binary_remote_addr zone=one:10m rate=1r/s;\n}\n', 3],
  ['js_import', 'events {}\nhttp {\n  js_import main.js;\n}\n', 3],
  ['stream', 'events {}\nstream {\n  server { listen 12345; proxy_pass 127.0.0.1:80; }\n}\n', 2],
  ['mail', 'events {}\nmail {\n  server_name mail.example.com;\n}\n', 2],
  ['zone', 'events {}\nhttp { upstream u {\n  zone u 64k;\n  server 127.0.0.1; } }\n', 3],
  ['gzip_static', 'events {}\nhttp { server { location / {\n  gzip_static on; } } }\n', 3],
  ['worker_cpu_affinity', 'worker_cpu_affinity auto;\nevents {}\n', 1],
  ['multi_accept', 'events {\n  multi_accept on;\n}\n', 2],
];

for (const [name, conf, line] of SAMPLES) {
  test(`"${name}" is an nginx directive ngts does not support`, () => {
    assert.ok(NGINX_ONLY_DIRECTIVES.has(name));
    assert.deepEqual(loadError(conf), { message: `"${name}" directive is not supported by ngts in {file}:${line}`, hint: undefined });
  });
}

test('a misspelt directive is still unknown, with a hint', () => {
  assert.deepEqual(loadError('events {}\nhttp {\n  server { lisen 80; }\n}\n'),
    { message: 'unknown directive "lisen" in {file}:3', hint: 'did you mean "listen"?' });
  // A name no nginx module has (OpenResty's) is not on the list.
  assert.deepEqual(loadError('events {}\nhttp {\n  access_by_lua_block { }\n}\n').message, 'unknown directive "access_by_lua_block" in {file}:3');
});

test('the nginx-only list and ngts\'s directive table are disjoint', () => {
  const both = [...directiveTable.keys()].filter((name) => NGINX_ONLY_DIRECTIVES.has(name));
  assert.deepEqual(both, []);
  // The list is nginx's whole index, not a handful.
  assert.ok(NGINX_ONLY_DIRECTIVES.size > 700, `${NGINX_ONLY_DIRECTIVES.size} names`);
});
