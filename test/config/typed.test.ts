// Configurations → the typed Config the runtime reads: the three-vhost example from nginx's
// documentation, the shipped conf/nginx.conf, and inheritance merged once at load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { FIXTURES, REPO_ROOT, tempDir, writeTree } from '../helpers/repo.js';

test('the three-vhost example parses to three servers on one address, each with its root', () => {
  const prefix = path.join(FIXTURES, 'three-vhosts');
  const { config } = loadConfig({ prefix, confFile: 'nginx.conf' });
  const servers = config.http!.servers;
  assert.deepEqual(servers.map((s) => ({
    names: s.serverNames, root: s.loc.root, listens: s.listens.map((l) => [l.host, l.port, l.key, l.defaultServer]),
  })), ['a', 'b', 'c'].map((x) => ({
    names: [`www.${x}.com`],
    root: { path: `${prefix}/sites/${x}`, alias: false },
    listens: [['127.0.0.1', 8080, '127.0.0.1:8080', false]],
  })));
  assert.equal(config.http!.loc.types!.js, 'application/javascript');
  assert.equal(config.http!.loc.types!.html, 'text/html');
  assert.equal(servers[1].loc.defaultType, 'application/octet-stream');
  assert.equal(config.main.workerConnections, 1024);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(servers[0].loc.root));
  assert.deepEqual(JSON.parse(JSON.stringify(config)), config, 'the Config is plain, JSON-safe data');
});

test('the shipped conf/nginx.conf serves html/ on 127.0.0.1:8080', () => {
  const { config } = loadConfig({ prefix: REPO_ROOT, confFile: 'conf/nginx.conf' });
  const [server] = config.http!.servers;
  assert.deepEqual(server.listens.map((l) => l.key), ['127.0.0.1:8080']);
  const slash = server.locations.find((l) => l.pattern === '/')!;
  assert.deepEqual(slash.loc.root, { path: `${REPO_ROOT}/html`, alias: false });
  assert.deepEqual(slash.loc.index, ['index.html', 'index.htm']);
  assert.deepEqual(server.loc.errorPages, [{ codes: [500, 502, 503, 504], uri: '/50x.html' }]);
  assert.equal(config.main.pid, `${REPO_ROOT}/logs/ngts.pid`);
  assert.deepEqual(config.main.errorLogs, [{ path: `${REPO_ROOT}/logs/error.log`, level: 'error' }]);
  assert.equal(config.main.daemon, true);
});

test('inheritance: http → server → location, lists inherited whole or not at all', () => {
  const prefix = tempDir('merge');
  writeTree(prefix, {
    'n.conf': `events {}
http {
  root www;
  index a.html;
  keepalive_timeout 30s 20s;
  client_max_body_size 8k;
  proxy_set_header X-A a;
  proxy_set_header X-B b;
  error_page 404 /404.html;
  access_log logs/http.log;
  server {
    listen 127.0.0.1:8080;
    server_tokens off;
    proxy_set_header X-C c;
    try_files $uri =404;
    return 200 server-level;
    location / {
      index b.html c.html;
      location /inner/ { autoindex on; }
    }
    location /alias/ { alias /data/; error_page 500 = @fallback; access_log off; }
    location @fallback { return 204; }
  }
}
`,
  });
  const { config } = loadConfig({ prefix, confFile: 'n.conf' });
  const http = config.http!;
  const server = http.servers[0];
  const [slash, alias, named] = server.locations;
  const inner = slash.locations[0];
  // inherited scalars
  assert.deepEqual(inner.loc.root, { path: `${prefix}/www`, alias: false });
  assert.equal(inner.loc.keepaliveTimeout, 30_000);
  assert.equal(inner.loc.keepaliveHeaderTimeout, 20_000);
  assert.equal(inner.loc.clientMaxBodySize, 8192);
  assert.equal(inner.loc.serverTokens, false);
  assert.equal(http.loc.serverTokens, true);
  // lists: a level that sets any replaces the whole list
  assert.deepEqual(server.loc.proxySetHeaders, [{ name: 'X-C', value: 'c' }]);
  assert.deepEqual(http.loc.proxySetHeaders.map((h) => h.name), ['X-A', 'X-B']);
  assert.deepEqual(inner.loc.index, ['b.html', 'c.html']);
  assert.deepEqual(server.loc.index, ['a.html']);
  assert.deepEqual(alias.loc.errorPages, [{ codes: [500], overwrite: 'response', uri: '@fallback' }]);
  assert.deepEqual(inner.loc.errorPages, [{ codes: [404], uri: '/404.html' }]);
  assert.deepEqual(alias.loc.accessLogs, []);
  assert.deepEqual(inner.loc.accessLogs, [{ path: `${prefix}/logs/http.log`, format: 'combined' }]);
  // alias is per location; nested ones would inherit it as nginx does
  assert.deepEqual(alias.loc.root, { path: '/data/', alias: true });
  assert.equal(inner.loc.autoindex, true);
  assert.equal(slash.loc.autoindex, false);
  // try_files and return belong to the level that wrote them
  assert.deepEqual(server.loc.tryFiles, ['$uri', '=404']);
  assert.equal(slash.loc.tryFiles, undefined);
  assert.deepEqual(server.loc.return, { code: 200, text: 'server-level' });
  assert.equal(slash.loc.return, undefined);
  assert.deepEqual(named.loc.return, { code: 204 });
  assert.deepEqual([named.modifier, named.pattern], ['@', '@fallback']);
  // defaults where nothing is set
  assert.equal(inner.loc.keepaliveRequests, 1000);
  assert.equal(inner.loc.defaultType, 'text/plain');
  assert.equal(inner.loc.types, null);
});

test('location modifiers, attached or separate, and server names', () => {
  const prefix = tempDir('loc');
  writeTree(prefix, {
    'n.conf': `events {}
http { server {
  listen 127.0.0.1:8080 default_server; listen [::1]:8080; listen 8081;
  server_name Example.COM *.example.com .example.org www.example.* "" ~^(?P<sub>\\w+)\\.example\\.net$;
  location = / {} location =/exact {} location ^~ /images/ {} location ^~/static/ {}
  location ~ \\.php$ {} location ~* \\.(gif|jpg)$ {} location ~*\\.png$ {} location /documents/ {} location @named {}
} }
`,
  });
  const { config } = loadConfig({ prefix, confFile: 'n.conf' });
  const s = config.http!.servers[0];
  assert.deepEqual(s.locations.map((l) => [l.modifier, l.pattern]), [
    ['=', '/'], ['=', '/exact'], ['^~', '/images/'], ['^~', '/static/'], ['~', '\\.php$'], ['~*', '\\.(gif|jpg)$'],
    ['~*', '\\.png$'], ['', '/documents/'], ['@', '@named'],
  ]);
  assert.deepEqual(s.serverNames, ['example.com', '*.example.com', '.example.org', 'www.example.*', '', '~^(?P<sub>\\w+)\\.example\\.net$']);
  assert.deepEqual(s.listens.map((l) => [l.key, l.defaultServer]), [
    ['127.0.0.1:8080', true], ['[::1]:8080', false], ['0.0.0.0:8081', false],
  ]);
});

test('listen unix:PATH: the path as written (107 bytes at most), nginx\'s parameters', () => {
  const prefix = tempDir('unix');
  const longest = '/tmp/' + 'y'.repeat(102);
  writeTree(prefix, {
    'n.conf': `events {}
http { server {
  listen unix:${longest} backlog=7 ipv6only=on bind default; listen unix:relative.sock; listen 8081;
} }
`,
  });
  const { config } = loadConfig({ prefix, confFile: 'n.conf' });
  assert.deepEqual(config.http!.servers[0].listens, [
    { host: '', port: 0, unix: longest, key: `unix:${longest}`, defaultServer: true, backlog: 7, ipv6only: true },
    { host: '', port: 0, unix: 'relative.sock', key: 'unix:relative.sock', defaultServer: false },
    { host: '0.0.0.0', port: 8081, key: '0.0.0.0:8081', defaultServer: false },
  ]);
});

test('main context: worker_processes, pid, error_log, -g globals', () => {
  const prefix = tempDir('main');
  writeTree(prefix, { 'n.conf': 'worker_processes auto;\npid run/x.pid;\nerror_log stderr notice;\nerror_log logs/e.log;\nevents {}\n' });
  const { config } = loadConfig({ prefix, confFile: 'n.conf', globals: 'daemon off; worker_shutdown_timeout 5s;' });
  assert.equal(config.main.workerProcesses, 'auto');
  assert.equal(config.main.pid, `${prefix}/run/x.pid`);
  assert.deepEqual(config.main.errorLogs, [{ path: 'stderr', level: 'notice' }, { path: `${prefix}/logs/e.log`, level: 'error' }]);
  assert.equal(config.main.daemon, false);
  assert.equal(config.main.workerShutdownTimeout, 5000);
  assert.equal(config.http, undefined);
});

test('upstream blocks', () => {
  const prefix = tempDir('up');
  writeTree(prefix, {
    'n.conf': `events {}
http {
  upstream backend {
    least_conn;
    server 127.0.0.1:9001 weight=5 max_fails=3 fail_timeout=30s;
    server localhost:9002 backup;
    server 10.0.0.3 down;
    keepalive 16;
  }
  upstream h { hash $request_uri consistent; server 127.0.0.1:9003; }
}
`,
  });
  const { config, warnings } = loadConfig({ prefix, confFile: 'n.conf' });
  assert.deepEqual(warnings, []);
  const b = config.http!.upstreams.backend;
  assert.deepEqual(b.balancer, { method: 'least_conn' });
  assert.equal(b.keepalive, 16);
  assert.deepEqual(b.peers.map((p) => [p.address, p.host, p.port, p.weight, p.maxFails, p.failTimeout, p.backup, p.down]), [
    ['127.0.0.1:9001', '127.0.0.1', 9001, 5, 3, 30_000, false, false],
    ['localhost:9002', '127.0.0.1', 9002, 1, 1, 10_000, true, false],
    ['10.0.0.3:80', '10.0.0.3', 80, 1, 1, 10_000, false, true],
  ]);
  assert.deepEqual(config.http!.upstreams.h.balancer, { method: 'hash', key: '$request_uri', consistent: true });
});

test('warnings: redefined balancer, duplicate MIME extension, conflicting server name', () => {
  const prefix = tempDir('warn');
  writeTree(prefix, {
    'n.conf': `events {}
http {
  types { text/html html; text/plain html; }
  upstream u { server 127.0.0.1; ip_hash; least_conn; }
  server { listen 127.0.0.1:8080; server_name a.com; }
  server { listen 127.0.0.1:8080; server_name a.com; }
}
`,
  });
  const { config, warnings } = loadConfig({ prefix, confFile: 'n.conf' });
  assert.deepEqual(warnings.map((w) => w.nginxText), [
    `duplicate extension "html", content type: "text/plain", previous content type: "text/html" in ${prefix}/n.conf:3`,
    `load balancing method redefined in ${prefix}/n.conf:4`,
    `conflicting server name "a.com" on 127.0.0.1:8080, ignored in ${prefix}/n.conf:6`,
  ]);
  assert.equal(config.http!.upstreams.u.balancer.method, 'least_conn');
  assert.equal(config.http!.loc.types!.html, 'text/plain');
});

test('open_file_cache and its settings: nginx defaults, inheritance, "off" anywhere in the arguments', () => {
  const prefix = tempDir('ofc');
  writeTree(prefix, {
    'n.conf': `events {}
http {
  open_file_cache max=1000 inactive=20s;
  open_file_cache_valid 30s;
  open_file_cache_min_uses 2;
  open_file_cache_errors on;
  server {
    listen 127.0.0.1:8080;
    location /off { open_file_cache off max=10; }
    location /own { open_file_cache max=5; open_file_cache_valid 1m; }
  }
  server { listen 127.0.0.1:8081; open_file_cache off; }
}
`,
  });
  const { config } = loadConfig({ prefix, confFile: 'n.conf' });
  const [server, plain] = config.http!.servers;
  const settings = (loc: typeof server.loc) => [loc.openFileCache, loc.openFileCacheValid, loc.openFileCacheMinUses, loc.openFileCacheErrors];
  assert.deepEqual(settings(server.loc), [{ max: 1000, inactive: 20_000 }, 30_000, 2, true]);
  assert.deepEqual(settings(server.locations[0].loc), [null, 30_000, 2, true]);
  assert.deepEqual(settings(server.locations[1].loc), [{ max: 5, inactive: 60_000 }, 60_000, 2, true]);
  assert.equal(plain.loc.openFileCache, null);
  // Without the directives: nginx's defaults (off, 60 s, 1, off).
  const bare = loadConfig({ prefix: REPO_ROOT, confFile: 'conf/nginx.conf' }).config.http!.servers[0].loc;
  assert.deepEqual(settings(bare), [null, 60_000, 1, false]);
});
