// bin/ngts as a user runs it: nginx's flags, messages on stderr, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { NGTS_BIN, REPO_ROOT, FIXTURES, tempDir, writeTree } from '../helpers/repo.js';

const VERSION = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version;

interface Run { code: number; stdout: string; stderr: string }

function ngts(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [NGTS_BIN, ...args], { cwd: REPO_ROOT }, (err, stdout, stderr) => {
      resolve({ code: err ? (err as { code?: number }).code ?? 1 : 0, stdout, stderr });
    });
  });
}

test('-t on the shipped config: nginx\'s two lines on stderr, exit 0', async () => {
  const conf = path.join(REPO_ROOT, 'conf/nginx.conf');
  const r = await ngts('-t');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `ngts: the configuration file ${conf} syntax is ok\n`
    + `ngts: configuration file ${conf} test is successful\n`);
});

test('-t on the three-vhost example with -p and a -c relative to the prefix', async () => {
  const prefix = path.join(FIXTURES, 'three-vhosts');
  const r = await ngts('-p', prefix, '-c', 'nginx.conf', '-t');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`configuration file ${prefix}/nginx.conf test is successful`));
});

test('-t on a broken config: [emerg] with file:line, the line, a caret, a hint; then "test failed", exit 1', async () => {
  const dir = tempDir('cli');
  writeTree(dir, { 'bad.conf': 'events {}\nhttp {\n    servr {\n    }\n}\n' });
  const r = await ngts('-t', '-c', path.join(dir, 'bad.conf'));
  assert.equal(r.code, 1);
  assert.equal(r.stderr, [
    `ngts: [emerg] unknown directive "servr" in ${dir}/bad.conf:3`,
    '  3 |     servr {',
    '    |     ^^^^^',
    '  hint: did you mean "server"?',
    `ngts: configuration file ${dir}/bad.conf test failed`,
    '',
  ].join('\n'));
});

test('-q keeps errors and hides the success lines; flags group as in nginx (-tq, -cFILE)', async () => {
  const conf = path.join(REPO_ROOT, 'conf/nginx.conf');
  const quiet = await ngts('-tq', `-c${conf}`);
  assert.deepEqual([quiet.code, quiet.stderr, quiet.stdout], [0, '', '']);
  const dir = tempDir('cli');
  writeTree(dir, { 'bad.conf': 'events {}\nhttp { gzip on; }\n' });
  const bad = await ngts('-q', '-t', '-c', path.join(dir, 'bad.conf'));
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^ngts: \[emerg\] "gzip" directive is not supported by ngts in .*bad\.conf:2\n/);
});

test('-T dumps every file read after "# configuration file PATH:" on stdout', async () => {
  const dir = tempDir('cli');
  writeTree(dir, {
    'main.conf': 'events {}\nhttp { include site.conf; }\n',
    'site.conf': 'server { listen 127.0.0.1:8080; }',
  });
  const r = await ngts('-T', '-c', path.join(dir, 'main.conf'));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `# configuration file ${dir}/main.conf:\nevents {}\nhttp { include site.conf; }\n\n`
    + `# configuration file ${dir}/site.conf:\nserver { listen 127.0.0.1:8080; }\n\n`);
  assert.match(r.stderr, /test is successful/);
});

test('-g errors say "in command line"', async () => {
  const r = await ngts('-t', '-g', 'daemon maybe;');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^ngts: \[emerg\] invalid value "maybe" in "daemon" directive, it must be "on" or "off" in command line\n/);
  const dup = await ngts('-t', '-g', 'worker_processes 2;');
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /^ngts: \[emerg\] "worker_processes" directive is duplicate in command line\n/);
});

test('-v, -V, -h and -? print to stderr and exit 0', async () => {
  const v = await ngts('-v');
  assert.deepEqual([v.code, v.stdout, v.stderr], [0, '', `ngts version: ngts/${VERSION}\n`]);
  const V = await ngts('-V');
  assert.equal(V.code, 0);
  assert.match(V.stderr, new RegExp(`^ngts version: ngts/${VERSION}\\nbuilt with Node\\.js v\\d+\\.\\d+\\.\\d+.*\\nconfigure arguments: --prefix=`));
  for (const flag of ['-h', '-?']) {
    const h = await ngts(flag);
    assert.equal(h.code, 0);
    assert.match(h.stderr, /^ngts version: ngts\/.*\nUsage: ngts \[-\?hvVtTq\] \[-s signal\] \[-p prefix\]\n/);
    assert.match(h.stderr, /-s signal {5}: send signal to a master process: stop, quit, reopen, reload\n/);
  }
});

test('bad options: nginx\'s messages, exit 1', async () => {
  const cases: [string[], string][] = [
    [['-x'], 'ngts: invalid option: "x"\n'],
    [['-tx'], 'ngts: invalid option: "x"\n'],
    [['foo'], 'ngts: invalid option: "foo"\n'],
    [['-s'], 'ngts: option "-s" requires parameter\n'],
    [['-s', 'restart'], 'ngts: invalid option: "-s restart"\n'],
    [['-c'], 'ngts: option "-c" requires file name\n'],
    [['-p'], 'ngts: option "-p" requires directory name\n'],
    [['-e'], 'ngts: option "-e" requires file name\n'],
    [['-g'], 'ngts: option "-g" requires parameter\n'],
  ];
  for (const [args, stderr] of cases) {
    const r = await ngts(...args);
    assert.deepEqual([r.code, r.stderr], [1, stderr], args.join(' '));
  }
});
