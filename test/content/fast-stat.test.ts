// statPath (the static module's stat without fs.Stats) must answer exactly what
// fs.statSync(path, { throwIfNoEntry: false }) answers: the same identity numbers (the open-file
// cache compares them with fs.fstat's), the same file type, undefined for ENOENT and the same
// error otherwise.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { S_IFDIR, S_IFREG, statPath, usesBinding } from '../../src/content/fast-stat.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ngts-fast-stat-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('node 20 exposes the fs binding the fast path uses', () => {
  assert.equal(usesBinding, true);
});

test('a file and a directory: the numbers fs.statSync gives, and their type', () => {
  const file = path.join(dir, 'f.txt');
  fs.writeFileSync(file, 'hello');
  // A sub-millisecond mtime: the conversion must round like node's own.
  fs.utimesSync(file, 1_700_000_000.123456, 1_700_000_000.987654);
  for (const [p, format] of [[file, S_IFREG], [dir, S_IFDIR]] as const) {
    const st = fs.statSync(p);
    const fast = statPath(p);
    assert.ok(fast);
    assert.deepEqual({ ...fast }, { format, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs });
  }
});

test('ENOENT is undefined; ENOTDIR and a NUL byte throw what fs.statSync throws', () => {
  assert.equal(statPath(path.join(dir, 'missing')), undefined);
  const file = path.join(dir, 'plain');
  fs.writeFileSync(file, '');
  for (const p of [path.join(file, 'below'), `${file}\0x`]) {
    let expected: NodeJS.ErrnoException | undefined;
    try {
      fs.statSync(p, { throwIfNoEntry: false });
    } catch (e) {
      expected = e as NodeJS.ErrnoException;
    }
    // ENOTDIR: statSync itself answers undefined on some Node versions; both must agree.
    if (expected === undefined) {
      assert.equal(statPath(p), undefined);
      continue;
    }
    assert.throws(() => statPath(p), (e: NodeJS.ErrnoException) => e.code === expected!.code && e.message === expected!.message);
  }
});
