// config_watch's watcher: a file saved between the reading of the configuration and the moment
// chokidar watches it (the master starts watching only once the new configuration serves) is a
// change too; a file left alone is not.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigWatch, fileIdentities } from '../../src/master/config-watch.js';
import { waitFor } from '../helpers/wait.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ngts-config-watch-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

function renameSave(file: string, text: string): void {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

test('a save between reading and watching is reported once the watch starts', async (t) => {
  const file = path.join(dir, 'early.conf');
  fs.writeFileSync(file, 'v1');
  const read = fileIdentities([file]);
  renameSave(file, 'v2');
  const changes: string[] = [];
  const watch = new ConfigWatch(read, (f) => changes.push(f));
  t.after(() => watch.close());
  await waitFor(() => changes.length > 0, 'the change');
  assert.deepEqual(changes, [file]);
});

test('an untouched file is no change; a later save is one', async (t) => {
  const file = path.join(dir, 'calm.conf');
  fs.writeFileSync(file, 'v1');
  const changes: string[] = [];
  const watch = new ConfigWatch(fileIdentities([file]), (f) => changes.push(f));
  t.after(() => watch.close());
  // Past the settle check and a debounce: nothing was reported.
  const started = Date.now();
  while (Date.now() - started < 600) await new Promise((r) => setTimeout(r, 25));
  assert.deepEqual(changes, []);
  renameSave(file, 'v2');
  await waitFor(() => changes.length > 0, 'the change');
  assert.deepEqual(changes, [file]);
});
