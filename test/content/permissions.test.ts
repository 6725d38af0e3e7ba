// EACCES → 403 for files, directories, index and autoindex, through a site running in a child
// process without root's privileges. A site that does not start fails every test, with the
// child's own words: nothing here is skipped.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http-client.js';
import { makeTempRoot, writeFixed } from './site.js';

let root: string;
let child: ChildProcess | undefined;
/** The site's port, or why the site did not start. */
let site: Promise<number>;

/**
 * Starts site-child.js (as nobody when the tests run as root) on `root`; resolves with the port it
 * prints, rejects with its exit status and stderr if it exits first.
 */
function startUnprivilegedSite(): Promise<number> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'site-child.js');
  const proc = spawn(process.execPath, [script, root], { stdio: ['ignore', 'pipe', 'pipe'] });
  child = proc;
  let out = '';
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
  return new Promise<number>((resolve, reject) => {
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      const who = process.getuid?.() === 0 ? 'switching to nobody (uid 65534)' : 'as this user';
      reject(new Error(`the permissions site did not start: ${script}, run ${who}, exited with ${code ?? signal} before listening:\n${err}`));
    });
  });
}

before(() => {
  root = makeTempRoot('perm');
  fs.chmodSync(root, 0o755);
  writeFixed(path.join(root, 'open.txt'), 'open');
  writeFixed(path.join(root, 'secret.txt'), 'secret');
  fs.chmodSync(path.join(root, 'secret.txt'), 0o000);
  fs.mkdirSync(path.join(root, 'locked'));
  writeFixed(path.join(root, 'locked', 'f.txt'), 'f');
  fs.chmodSync(path.join(root, 'locked'), 0o000);
  fs.mkdirSync(path.join(root, 'unlistable'));
  fs.chmodSync(path.join(root, 'unlistable'), 0o311);
  site = startUnprivilegedSite();
  // Each test awaits it and fails with the reason; no unhandled rejection in between.
  site.catch(() => {});
});

after(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  fs.chmodSync(path.join(root, 'locked'), 0o755);
  fs.chmodSync(path.join(root, 'unlistable'), 0o755);
  fs.rmSync(root, { recursive: true, force: true });
});

describe('permissions', () => {
  it('serves a readable file (the child can reach the root)', async () => {
    assert.equal((await request(await site, '/open.txt')).body, 'open');
  });

  it('answers forbidden for an unreadable file', async () => {
    assert.equal((await request(await site, '/secret.txt')).headers['x-outcome'], 'forbidden');
  });

  it('answers forbidden for a file under an untraversable directory', async () => {
    assert.equal((await request(await site, '/locked/f.txt')).headers['x-outcome'], 'forbidden');
  });

  it('answers forbidden when the index cannot be checked', async () => {
    assert.equal((await request(await site, '/locked/')).headers['x-outcome'], 'forbidden');
  });

  it('answers forbidden when autoindex cannot read the directory', async () => {
    assert.equal((await request(await site, '/unlistable/')).headers['x-outcome'], 'forbidden');
  });
});
