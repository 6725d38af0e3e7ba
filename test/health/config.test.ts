// The health-check and status directives → typed Config fields, with Tengine's defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load.js';
import { tempDir, writeTree } from '../helpers/repo.js';

function load(http: string) {
  const prefix = tempDir('health-conf');
  writeTree(prefix, { 'nginx.conf': `events {}\nhttp {\n${http}\n}\n` });
  return loadConfig({ prefix, confFile: 'nginx.conf' }).config;
}

test('check type=tcp alone takes Tengine\'s defaults; check_http_* unset until written', () => {
  const up = load('upstream b { server 127.0.0.1:1; check type=tcp; }').http!.upstreams.b;
  assert.deepEqual(up.check, { type: 'tcp', interval: 30_000, rise: 2, fall: 5, timeout: 1000, defaultDown: true });
  assert.equal(up.checkHttpSend, undefined);
  assert.equal(up.checkHttpExpectAlive, undefined);
});

test('every check parameter, check_http_send escapes, expect_alive classes, check_notify relative to the prefix', () => {
  const config = load(`upstream b {
    server 127.0.0.1:1; server 127.0.0.1:2 backup;
    check interval=3000 rise=3 fall=4 timeout=500 type=http default_down=false port=8080;
    check_http_send "HEAD /health HTTP/1.0\\r\\n\\r\\n";
    check_http_expect_alive http_2xx http_3xx;
    check_notify notify.sh;
    nq;
  }
  server { location = /st { stub_status; } location /hc { check_status json; location /hc/in { } } }`);
  const up = config.http!.upstreams.b;
  assert.deepEqual(up.check, { type: 'http', interval: 3000, rise: 3, fall: 4, timeout: 500, defaultDown: false, port: 8080 });
  assert.equal(up.checkHttpSend, 'HEAD /health HTTP/1.0\r\n\r\n');
  assert.deepEqual(up.checkHttpExpectAlive, [2, 3]);
  assert.equal(up.checkNotify, `${config.prefix}/notify.sh`);
  assert.deepEqual(up.balancer, { method: 'nq' });
  const [st, hc] = config.http!.servers[0].locations;
  assert.equal(st.loc.stubStatus, true);
  assert.equal(hc.loc.checkStatus, 'json');
  assert.equal(hc.locations[0].loc.checkStatus, undefined, 'a content handler is not inherited');
});
