// EACCES → 403 for files, directories, index and autoindex, with nginx's error-log lines. The
// site is a real bin/ngts: run as root, its workers drop to nobody (root reads any file, so
// EACCES can only be seen without it); run as another user, they keep that user.
import { request as get } from '../helpers/http-client.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { freePort, Ngts } from '../helpers/ngts.js';
import { ErrorLogReader } from './fixtures.js';

describe('permissions', () => {
  let ngts: Ngts;
  let port: number;
  let root: string;
  let log: ErrorLogReader;

  // No catch: a site that does not start fails every test below.
  before(async () => {
    port = await freePort();
    ngts = await Ngts.start({
      conf: `events {} http { server { listen 127.0.0.1:${port}; root html; autoindex on; } }`,
      // The default error log (logs/error.log), as configured: the lines below are read there.
      harnessLog: false,
      files: { 'html/open.txt': 'open', 'html/secret.txt': 'secret', 'html/locked/f.txt': 'f', 'html/unlistable/.keep': '' },
    });
    root = ngts.path('html');
    fs.chmodSync(ngts.path('html/secret.txt'), 0o000);
    fs.chmodSync(ngts.path('html/locked'), 0o000);
    fs.chmodSync(ngts.path('html/unlistable'), 0o311);
    log = new ErrorLogReader(() => ngts.logText());
  });

  after(async () => {
    if (ngts === undefined) return;
    fs.chmodSync(ngts.path('html/locked'), 0o755);
    fs.chmodSync(ngts.path('html/unlistable'), 0o755);
    await ngts.cleanup();
  });

  async function forbidden(uri: string, line: string): Promise<void> {
    log.skip();
    const r = await get(port, uri);
    assert.equal(r.status, 403);
    assert.match(r.body, /<title>403 Forbidden<\/title>/);
    assert.deepEqual(log.lines(), [line]);
  }

  it('serves a readable file (the workers can reach the root)', async () => {
    const r = await get(port, '/open.txt');
    assert.equal(r.status, 200);
    assert.equal(r.body, 'open');
  });

  it('answers 403 for an unreadable file', async () => {
    await forbidden('/secret.txt', `[error] open() "${root}/secret.txt" failed (13: Permission denied)`);
  });

  it('answers 403 for a file under an untraversable directory', async () => {
    await forbidden('/locked/f.txt', `[error] open() "${root}/locked/f.txt" failed (13: Permission denied)`);
  });

  it('answers 403 when the index cannot be checked', async () => {
    await forbidden('/locked/', `[error] "${root}/locked/index.html" is forbidden (13: Permission denied)`);
  });

  it('answers 403 when autoindex cannot read the directory', async () => {
    await forbidden('/unlistable/', `[error] opendir() "${root}/unlistable" failed (13: Permission denied)`);
  });
});
