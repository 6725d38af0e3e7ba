// Variables are checked when the configuration loads, as nginx does: `-t` fails on a typo.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LoadFailure, loadConfig } from '../../src/config/load.js';
import { checkHttpConfig } from '../../src/http/validate.js';

function check(httpBlock: string): string | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ngts-validate-'));
  try {
    fs.writeFileSync(path.join(dir, 'nginx.conf'), `events {}\nhttp {\n${httpBlock}\n}\n`);
    checkHttpConfig(loadConfig({ prefix: dir, confFile: 'nginx.conf' }));
    return undefined;
  } catch (e) {
    if (e instanceof LoadFailure) return e.error.nginxText;
    throw e;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('variables checked at load', () => {
  it('an unknown variable in return, add_header, try_files, root or a log format is an [emerg]', () => {
    assert.equal(check('server { location / { return 200 "$nope"; } }'), 'unknown "nope" variable');
    assert.equal(check('server { add_header X $typo; }'), 'unknown "typo" variable');
    assert.equal(check('server { location / { try_files $urii =404; } }'), 'unknown "urii" variable');
    assert.equal(check('server { root /srv/$hots; }'), 'unknown "hots" variable');
    assert.equal(check('log_format f "$remote_adr"; access_log logs/x.log f; server { }'), 'unknown "remote_adr" variable');
  });

  it('known variables, families and named captures of the config\'s regexes pass', () => {
    assert.equal(check(`server {
      server_name ~^(?<sub>.+)\\.example$;
      location ~ ^/u/(?P<user>\\w+) { return 200 "$sub $user $1 $http_x_y $arg_a $cookie_c $sent_http_etag"; }
    }`), undefined);
  });
});
