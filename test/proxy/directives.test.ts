// The proxy directives fill typed fields, and their errors are worded as nginx words them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig, LoadFailure } from '../../src/config/load.js';
import { compileProxyLocation } from '../../src/proxy/location.js';
import { Upstreams } from '../../src/proxy/upstreams.js';

function load(http: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ngts-proxy-conf-'));
  fs.writeFileSync(path.join(dir, 'nginx.conf'), `events {}\nhttp { ${http} }\n`);
  try {
    return loadConfig({ prefix: dir, confFile: 'nginx.conf' }).config;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('proxy directives fill the location config', () => {
  const c = load(`server { location / {
    proxy_pass http://b; proxy_http_version 1.1; proxy_connect_timeout 2s; proxy_read_timeout 500ms;
    proxy_next_upstream error http_503 non_idempotent; proxy_next_upstream_tries 3; proxy_hide_header X-A;
    proxy_pass_header Server; proxy_redirect http://b/ /; proxy_redirect default; proxy_ssl_server_name on; } }
    upstream b { server 127.0.0.1:1; }`);
  const loc = c.http!.servers[0].locations[0].loc;
  assert.equal(loc.proxyHttpVersion, '1.1');
  assert.equal(loc.proxyConnectTimeout, 2000);
  assert.equal(loc.proxyReadTimeout, 500);
  assert.deepEqual(loc.proxyNextUpstream, ['error', 'http_503', 'non_idempotent']);
  assert.equal(loc.proxyNextUpstreamTries, 3);
  assert.deepEqual(loc.proxyHideHeaders, ['x-a']);
  assert.deepEqual(loc.proxyPassHeaders, ['server']);
  assert.deepEqual(loc.proxyRedirect, { mode: 'rules', rules: [{ from: 'http://b/', to: '/' }, 'default'] });
  assert.equal(loc.proxySslServerName, true);
  assert.equal(c.http!.upstreams.b.peers[0].server, '127.0.0.1:1');
});

test('invalid proxy values are load errors in nginx\'s words', () => {
  const message = (http: string) => {
    try {
      load(http);
    } catch (e) {
      return (e as LoadFailure).error.message;
    }
    return 'loaded';
  };
  assert.match(message('server { location / { proxy_http_version 2.0; } }'), /invalid value "2.0" in "proxy_http_version" directive, it must be "1.0" or "1.1"/);
  assert.match(message('server { location / { proxy_next_upstream error bogus; } }'), /invalid value "bogus"/);
  assert.match(message('server { location ~ x { proxy_pass http://b/uri; } }'), /"proxy_pass" cannot have URI part in location given by regular expression/);
});

test('proxy_set_header and proxy_hide_header lists are inherited whole, or replaced whole', () => {
  const c = load(`proxy_set_header X-A a; proxy_hide_header X-H;
    server { location /inherit { proxy_pass http://b; } location /own { proxy_set_header X-B b; proxy_pass http://b; } }
    upstream b { server 127.0.0.1:1; }`);
  const [inherit, own] = c.http!.servers[0].locations.map((l) => l.loc);
  assert.deepEqual(inherit.proxySetHeaders, [{ name: 'X-A', value: 'a' }]);
  assert.deepEqual(own.proxySetHeaders, [{ name: 'X-B', value: 'b' }]);
  assert.deepEqual(own.proxyHideHeaders, ['x-h']);
});

test('a proxy_pass host names an upstream block in any case, as in nginx', () => {
  const c = load('server { location / { proxy_pass http://Backend; } } upstream backend { server 127.0.0.1:1; }');
  const upstreams = new Upstreams(c.http!.upstreams);
  const location = c.http!.servers[0].locations[0];
  const pl = compileProxyLocation(location.loc, location, upstreams)!;
  assert.equal(pl.upstream, upstreams.get('backend'));
  assert.equal(pl.upstream!.implicit, false);
  upstreams.retire();
});
