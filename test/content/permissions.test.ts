// EACCES → 403 for files, directories, index and autoindex, through a site running in a child
// process without root's privileges.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { request } from '../helpers/http-client.js';
import { makeTempRoot, writeFixed } from './site.js';

let root: string;
let child: ChildProcess;
let port: number;
/** Set when the unprivileged child cannot start (e.g. the checkout itself is not readable to it). */
let unavailable: string | undefined;

before(async () => {
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
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'site-child.js');
  child = spawn(process.execPath, [script, root], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(Number(out.trim()));
      });
      child.on('exit', (code) => reject(new Error(`site child exited with ${code}`)));
    });
  } catch (err) {
    unavailable = `unprivileged site did not start: ${(err as Error).message}`;
  }
});

after(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  fs.chmodSync(path.join(root, 'locked'), 0o755);
  fs.chmodSync(path.join(root, 'unlistable'), 0o755);
  fs.rmSync(root, { recursive: true, force: true });
});

describe('permissions', () => {
  it('serves a readable file (the child can reach the root)', async (t) => {
    if (unavailable !== undefined) return t.skip(unavailable);
    assert.equal((await request(port, '/open.txt')).body, 'open');
  });

  it('answers forbidden for an unreadable file', async (t) => {
    if (unavailable !== undefined) return t.skip(unavailable);
    assert.equal((await request(port, '/secret.txt')).headers['x-outcome'], 'forbidden');
  });

  it('answers forbidden for a file under an untraversable directory', async (t) => {
    if (unavailable !== undefined) return t.skip(unavailable);
    assert.equal((await request(port, '/locked/f.txt')).headers['x-outcome'], 'forbidden');
  });

  it('answers forbidden when the index cannot be checked', async (t) => {
    if (unavailable !== undefined) return t.skip(unavailable);
    assert.equal((await request(port, '/locked/')).headers['x-outcome'], 'forbidden');
  });

  it('answers forbidden when autoindex cannot read the directory', async (t) => {
    if (unavailable !== undefined) return t.skip(unavailable);
    assert.equal((await request(port, '/unlistable/')).headers['x-outcome'], 'forbidden');
  });
});
