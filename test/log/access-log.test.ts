// Access logs through real requests: the combined format field by field, log_format escaping,
// buffering, levels, reopen (USR1) and a log that cannot be written.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSite, type Site } from '../http/harness.js';
import { waitFor } from '../helpers/wait.js';

describe('access_log', () => {
  let site: Site;
  before(async () => {
    site = await startSite(`
      log_format json escape=json '{"uri":"$uri","ua":"$http_user_agent","missing":"$http_x_none"}';
      log_format plain escape=none '$http_user_agent|$http_x_none|';
      log_format vars '$request_method $request_uri $uri $args $query_string $arg_b $cookie_c '
                      '$scheme $server_protocol $host $server_name $server_port $status '
                      '$http_x_custom $sent_http_x_sent $connection_requests $pid $remote_port';
      log_format escaped '"$http_user_agent" $uri';
      log_format timing '$time_iso8601|$msec|$request_time|$bytes_sent|$body_bytes_sent|$request_length|$connection|$remote_port|$sent_http_content_length|$server_addr|$request_id|$request_id|$request_completion';
      access_log logs/access.log;
      server {
        listen 127.0.0.1:8080;
        server_name main.example;
        location / { return 200 "hello"; }
        location /json { access_log logs/json.log json; return 200 "j"; }
        location /plain { access_log logs/plain.log plain; return 200 "p"; }
        location /vars { add_header X-Sent sent; access_log logs/vars.log vars; return 200 "v"; }
        location /esc { access_log logs/escaped.log escaped; return 200 "e"; }
        location /timing { access_log logs/timing.log timing; return 200 "12345"; }
        location /quiet { access_log off; return 200 "q"; }
        location /both { access_log logs/a.log; access_log logs/b.log; return 200 "b"; }
        location /buffered { access_log logs/buffered.log combined buffer=64k; return 200 "b"; }
        location /flushed { access_log logs/flushed.log combined buffer=64k flush=100ms; return 200 "f"; }
        location /broken { access_log /proc/ngts-cannot-write/x.log; return 200 "still served"; }
      }
    `);
  });
  after(() => site.close());

  it('writes the combined format, field by field', async () => {
    const auth = Buffer.from('alice:secret').toString('base64');
    const before = Date.now();
    const r = await site.get('/page?x=1', {
      headers: { Host: 'main.example', Referer: 'http://ref.example/', 'User-Agent': 'test-agent/1.0', Authorization: `Basic ${auth}` },
    });
    assert.equal(r.status, 200);
    await waitFor(() => site.read('logs/access.log').includes('/page?x=1'), 'the log line');
    const line = site.read('logs/access.log').split('\n').find((l) => l.includes('/page?x=1'))!;
    const m = /^(\S+) - (\S+) \[([^\]]+)\] "([^"]*)" (\d{3}) (\d+) "([^"]*)" "([^"]*)"$/.exec(line);
    assert.ok(m, line);
    const [, addr, user, time, request, status, bytes, referer, agent] = m;
    assert.equal(addr, '127.0.0.1');
    assert.equal(user, 'alice');
    assert.match(time, /^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}$/);
    const [d, mon, rest] = time.split('/');
    const [year, hh, mm, ss] = rest.split(' ')[0].split(':');
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const tz = rest.split(' ')[1];
    const offsetMin = (tz[0] === '-' ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(3)));
    const logged = Date.UTC(Number(year), months.indexOf(mon), Number(d), Number(hh), Number(mm), Number(ss)) - offsetMin * 60_000;
    assert.ok(logged >= Math.floor(before / 1000) * 1000 && logged <= Date.now(), `${time} is the request time`);
    assert.equal(request, 'GET /page?x=1 HTTP/1.1');
    assert.equal(status, '200');
    assert.equal(bytes, '5');
    assert.equal(referer, 'http://ref.example/');
    assert.equal(agent, 'test-agent/1.0');
  });

  it('prints "-" for a missing value in the default escaping', async () => {
    await site.get('/nothing-set', { headers: { Host: 'main.example' } });
    const line = site.read('logs/access.log').split('\n').find((l) => l.includes('/nothing-set'))!;
    assert.match(line, /^127\.0\.0\.1 - - \[.*\] "GET \/nothing-set HTTP\/1\.1" 200 5 "-" "-"$/);
  });

  it('logs the status of error pages and of closed connections (404 body bytes, 444)', async () => {
    await site.get('/quiet', { headers: { Host: 'main.example' } });
    const r = await site.raw('GET /nothing/../x%zz HTTP/1.1\r\nHost: main.example\r\n\r\n');
    assert.ok(r.closed);
    const line = site.read('logs/access.log').split('\n').find((l) => l.includes('x%zz'))!;
    assert.match(line, /" 400 155 "-" "-"$/);
    assert.ok(!site.read('logs/access.log').includes('/quiet'), 'access_log off');
  });

  it('requests refused by the parser are logged too, with the line as received', async () => {
    await site.raw('FOO\r\n\r\n');
    await site.raw('get /lower HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => site.read('logs/access.log').includes('"get /lower HTTP/1.1"'), 'the refused request in the log');
    const log = site.read('logs/access.log');
    assert.match(log, /^127\.0\.0\.1 - - \[[^\]]+\] "FOO" 400 155 "-" "-"$/m);
    assert.match(log, /^127\.0\.0\.1 - - \[[^\]]+\] "get \/lower HTTP\/1\.1" 400 155 "-" "-"$/m);
  });

  it('escape=json and escape=none', async () => {
    await site.get('/json', { headers: { Host: 'x', 'User-Agent': 'a "quoted" \\ agent\t' } });
    await site.get('/plain', { headers: { Host: 'x', 'User-Agent': 'raw "ua"' } });
    const json = site.read('logs/json.log').trim();
    assert.deepEqual(JSON.parse(json), { uri: '/json', ua: 'a "quoted" \\ agent', missing: '' });
    assert.equal(site.read('logs/plain.log'), 'raw "ua"||\n');
  });

  it('escape=default writes quotes, backslashes and non-ASCII bytes as \\xHH', async () => {
    await site.raw('GET /esc/caf%C3%A9 HTTP/1.1\r\nHost: x\r\nUser-Agent: say "hi" \\o/\r\nConnection: close\r\n\r\n');
    assert.equal(site.read('logs/escaped.log'), '"say \\x22hi\\x22 \\x5Co/" /esc/caf\\xC3\\xA9\n');
  });

  it('the variables an nginx user logs', async () => {
    const r = await site.raw('GET /vars/%7Ea?b=2&c=3 HTTP/1.1\r\nHost: Main.Example:8080\r\nX-Custom: custom\r\nCookie: a=1; c=cookie\r\n\r\n'
      + 'GET /vars/again HTTP/1.1\r\nHost: main.example\r\nConnection: close\r\n\r\n');
    assert.ok(r.closed);
    const lines = site.read('logs/vars.log').trim().split('\n');
    const port = site.port();
    assert.equal(lines[0], `GET /vars/%7Ea?b=2&c=3 /vars/~a b=2&c=3 b=2&c=3 2 cookie http HTTP/1.1 main.example main.example ${port} 200 custom sent 1 ${process.pid} ${lines[0].split(' ').pop()}`);
    assert.match(lines[0], / \d+$/);
    assert.match(lines[1], /^GET \/vars\/again \/vars\/again - - - - http HTTP\/1\.1 main\.example main\.example \d+ 200 - sent 2 /);
  });

  it('times, sizes and connection numbers', async () => {
    const before = Date.now();
    const request = 'GET /timing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
    const r = await site.raw(request);
    const after = Date.now();
    const [iso, msec, rtime, bytes, body, length, conn, port, cl, addr, id1, id2, completion] = site.read('logs/timing.log').trim().split('|');
    assert.match(id1, /^[0-9a-f]{32}$/);
    assert.equal(id2, id1, '$request_id is stable within a request');
    assert.equal(completion, 'OK');
    assert.match(iso, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    assert.ok(Math.abs(Date.parse(iso) - before) < 2000);
    assert.match(msec, /^\d+\.\d{3}$/);
    assert.ok(Number(msec) * 1000 >= Math.floor(before / 1000) * 1000 && Number(msec) * 1000 <= after + 1);
    assert.match(rtime, /^\d+\.\d{3}$/);
    assert.equal(Number(bytes), r.text.length);
    assert.equal(body, '5');
    assert.equal(Number(length), request.length);
    assert.match(conn, /^\d+$/);
    assert.match(port, /^\d+$/);
    assert.equal(cl, '5');
    assert.equal(addr, '127.0.0.1');
  });

  it('several access_log lines at one level each get the request', async () => {
    await site.get('/both', { headers: { Host: 'x' } });
    assert.match(site.read('logs/a.log'), /"GET \/both HTTP\/1\.1" 200/);
    assert.match(site.read('logs/b.log'), /"GET \/both HTTP\/1\.1" 200/);
  });

  it('buffer=: lines wait until flushed (the worker flushes on exit)', async () => {
    await site.get('/buffered', { headers: { Host: 'x' } });
    await new Promise((r) => setImmediate(r));
    assert.equal(fs.existsSync(path.join(site.dir, 'logs/buffered.log')) ? fs.readFileSync(path.join(site.dir, 'logs/buffered.log'), 'utf8') : '', '');
    site.runtime.flush();
    assert.match(fs.readFileSync(path.join(site.dir, 'logs/buffered.log'), 'utf8'), /"GET \/buffered HTTP\/1\.1" 200 1/);
  });

  it('flush=: buffered lines are written after the flush time', async () => {
    await site.get('/flushed', { headers: { Host: 'x' } });
    const file = path.join(site.dir, 'logs/flushed.log');
    await waitFor(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('/flushed'), 'the flush timer');
  });

  it('reopenLogs (USR1) follows a log moved away by logrotate', async () => {
    const file = path.join(site.dir, 'logs/access.log');
    fs.renameSync(file, file + '.1');
    await site.get('/after-rotate-1', { headers: { Host: 'x' } });
    site.runtime.reopenLogs();
    await site.get('/after-rotate-2', { headers: { Host: 'x' } });
    site.runtime.flush();
    assert.match(fs.readFileSync(file + '.1', 'utf8'), /after-rotate-1/);
    const fresh = fs.readFileSync(file, 'utf8');
    assert.match(fresh, /after-rotate-2/);
    assert.ok(!fresh.includes('after-rotate-1'));
  });

  it('a log that cannot be opened or written never breaks the response', async () => {
    const r = await site.get('/broken', { headers: { Host: 'x' } });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'still served');
    assert.match(site.read('logs/error.log'), /\[alert\] .*open\(\) to "\/proc\/ngts-cannot-write\/x\.log" failed/);
  });
});
