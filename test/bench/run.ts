// `npm run bench`: the benchmark suite of issue 7 (not part of `npm test`; timing never decides a test).
// ngts and nginx run the same generated nginx.conf, one after the other on the same port, beside
// the bare-Node ceilings; each server has one worker pinned to CPU 0, the load generator runs on
// CPU 1. Prints ONE markdown table. Flags:
//   --quick            2 s runs instead of 5 s (the whole bench then takes a few minutes)
//   --profile          instead of the table: profile ngts's worker (node --cpu-prof) under the
//                      static 1 KiB and proxy 1 KiB loads (or the --scenarios given) and list
//                      the top self-time functions
//   --servers=a,b      only these servers (nginx, ngts, node-buffer, node-stream, http-proxy, node-agent, undici)
//   --scenarios=a,b    only these scenarios (ids below)
//   --ngts=PATH        the ngts executable to run (default: this checkout's bin/ngts)
//   --autocannon       load from autocannon (`npm install --no-save autocannon`) even where wrk is installed
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { benchConfigParse } from './config-parse.js';
import { createPrefix, writeBackendConf, writeFrontConf, type Ports } from './fixture.js';
import { loadGeneratorName, runLoad, type LoadResult } from './load.js';
import { treeCpuMicros, treeRssBytes } from './process-tree.js';
import { freePort, killAllStarted, ServerProcess, trackChild, type ServerSpec } from './server-process.js';
import { busiestProfile, topSelfTime } from './profile-summary.js';
import { preflight } from './preflight.js';
import { NGTS_BIN, REPO_ROOT } from '../helpers/repo.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const profileMode = argv.includes('--profile');
const listFlag = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3).split(',');
const onlyServers = listFlag('servers');
const onlyScenarios = listFlag('scenarios');
const ngtsBin = path.resolve(listFlag('ngts')?.join(',') ?? NGTS_BIN);

const SERVER_CPU = 0;
const LOAD_CPU = 1;
const CONNECTIONS = 50;
const RUN_SECONDS = quick ? 2 : 5;
const WARMUP_SECONDS = quick ? 1 : 2;
const RUNS = 3;
const IDLE_CONNECTIONS = 10_000;
const NGINX = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'].find((f) => fs.existsSync(f));

type ServerName = 'nginx' | 'ngts' | 'node-buffer' | 'node-stream' | 'http-proxy' | 'node-agent' | 'undici';

interface Scenario {
  id: string;
  title: string;
  path: string;
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** Sends If-None-Match with the ETag the server gave for `path`. */
  revalidate?: boolean;
  expectStatus: number;
  expectBytes: number;
  servers: ServerName[];
}

const STATIC: ServerName[] = ['nginx', 'ngts'];
const SCENARIOS: Scenario[] = [
  { id: 'static-1k', title: 'static 1 KiB, keep-alive', path: '/1k.bin', expectStatus: 200, expectBytes: 1024, servers: ['nginx', 'ngts', 'node-buffer', 'node-stream'] },
  { id: 'static-1k-close', title: 'static 1 KiB, Connection: close', path: '/1k.bin', headers: { Connection: 'close' }, expectStatus: 200, expectBytes: 1024, servers: ['nginx', 'ngts', 'node-buffer'] },
  { id: 'static-100k', title: 'static 100 KiB', path: '/100k.bin', expectStatus: 200, expectBytes: 100 * 1024, servers: ['nginx', 'ngts', 'node-stream'] },
  { id: 'static-1m', title: 'static 1 MiB', path: '/1m.bin', expectStatus: 200, expectBytes: 1024 * 1024, servers: ['nginx', 'ngts', 'node-stream'] },
  { id: 'head', title: 'HEAD (0-byte file: wrk cannot count HEAD responses with a body length)', path: '/empty.bin', method: 'HEAD', expectStatus: 200, expectBytes: 0, servers: STATIC },
  { id: '304', title: '304 revalidation (If-None-Match)', path: '/1k.bin', revalidate: true, expectStatus: 304, expectBytes: 0, servers: STATIC },
  { id: 'static-1k-ofc', title: 'static 1 KiB, open_file_cache max=1000 (no stat per request)', path: '/cached/1k.bin', expectStatus: 200, expectBytes: 1024, servers: STATIC },
  { id: 'logged', title: 'static 1 KiB, access log on (combined, buffer=64k)', path: '/logged/1k.bin', expectStatus: 200, expectBytes: 1024, servers: STATIC },
  { id: 'proxy-1k', title: 'proxy 1 KiB, upstream keepalive 64', path: '/proxy/1k.bin', expectStatus: 200, expectBytes: 1024, servers: ['nginx', 'ngts', 'http-proxy', 'node-agent', 'undici'] },
  { id: 'proxy-weighted', title: 'proxy 1 KiB, 3 peers weighted 5:2:1', path: '/weighted/1k.bin', expectStatus: 200, expectBytes: 1024, servers: STATIC },
];
const IDLE_SERVERS: ServerName[] = ['nginx', 'ngts', 'node-buffer'];
const IDLE_TITLE = `${IDLE_CONNECTIONS.toLocaleString('en')} idle keep-alive connections`;

interface Row {
  scenario: string;
  server: string;
  rps?: number;
  p99Ms?: number;
  cpuMicrosPerReq?: number;
  rssBytes?: number;
  rssBefore?: number;
  notes: string[];
  failed?: string;
}

// ---------------------------------------------------------------- set-up and clean-up

const prefix = createPrefix();
let backend: ServerProcess | undefined;
function cleanUp(): void {
  killAllStarted();
  fs.rmSync(prefix, { recursive: true, force: true });
}
process.on('exit', cleanUp);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    console.error(`\nbench: ${sig}, stopping servers and removing ${prefix}`);
    process.exit(130);
  });
}

const ports: Ports = { front: await freePort(), backends: [await freePort(), await freePort(), await freePort()] };
const notes: string[] = [];

function dist(file: string): string {
  return path.join(REPO_ROOT, 'dist', 'test', 'bench', file);
}

/** ngts runs the same file as nginx unless it rejects a directive nginx needs for upstream keep-alive. */
function prepareConfs(): { nginxConf: string; ngtsConf: string } {
  const nginxConf = writeFrontConf(prefix, ports, { upstreamHttp11: true });
  const test = spawnSync(process.execPath, [ngtsBin, '-t', '-p', prefix, '-c', nginxConf], { encoding: 'utf8' });
  if (test.status === 0) return { nginxConf, ngtsConf: nginxConf };
  if (/proxy_http_version/.test(test.stderr)) {
    const text = fs.readFileSync(nginxConf, 'utf8').replace(/\n\s*proxy_http_version 1\.1;/g, '');
    const ngtsConf = path.join(prefix, 'ngts.conf');
    fs.writeFileSync(ngtsConf, text);
    notes.push('ngts rejected `proxy_http_version 1.1;` (not supported yet), so it ran the conf without that line; ngts keeps upstream connections alive with `keepalive` alone.');
    return { nginxConf, ngtsConf };
  }
  notes.push(`ngts -t rejects the bench conf: ${test.stderr.trim().split('\n')[0]}`);
  return { nginxConf, ngtsConf: nginxConf };
}

function serverSpec(name: ServerName, confs: { nginxConf: string; ngtsConf: string }): ServerSpec {
  const docroot = path.join(prefix, 'docroot');
  const base = { label: name, cpu: SERVER_CPU, ports: [ports.front] };
  const daemonOff = ['-g', 'daemon off;'];
  switch (name) {
    case 'nginx': return { ...base, command: NGINX!, args: ['-p', prefix, '-c', confs.nginxConf, ...daemonOff] };
    case 'ngts': return { ...base, command: process.execPath, args: [ngtsBin, '-p', prefix, '-c', confs.ngtsConf, ...daemonOff] };
    case 'node-buffer': return { ...base, command: process.execPath, args: [dist('baselines/buffer-server.js'), String(ports.front), docroot] };
    case 'node-stream': return { ...base, command: process.execPath, args: [dist('baselines/stream-server.js'), String(ports.front), docroot] };
    case 'http-proxy': return { ...base, command: process.execPath, args: [dist('baselines/http-proxy-server.js'), String(ports.front), String(ports.backends[0])] };
    case 'node-agent': return { ...base, command: process.execPath, args: [dist('baselines/agent-proxy-server.js'), String(ports.front), String(ports.backends[0])] };
    case 'undici': return { ...base, command: process.execPath, args: [dist('baselines/undici-proxy-server.js'), String(ports.front), String(ports.backends[0])] };
  }
}

const SERVER_TITLES: Record<ServerName, string> = {
  nginx: 'nginx',
  ngts: 'ngts',
  'node-buffer': 'bare node:http from a Buffer',
  'node-stream': 'bare node:http + createReadStream',
  'http-proxy': 'bare http-proxy + keep-alive agent',
  'node-agent': 'bare node:http request + keep-alive agent',
  undici: 'bare undici Pool.stream',
};

function wanted(name: ServerName): boolean {
  if (name === 'nginx' && !NGINX) return false;
  return !onlyServers || onlyServers.includes(name);
}

async function startBackend(): Promise<ServerProcess> {
  const spec: ServerSpec = NGINX
    ? { label: 'backend nginx', command: NGINX, args: ['-p', path.join(prefix, 'backend'), '-c', writeBackendConf(prefix, ports), '-g', 'daemon off;'], cpu: LOAD_CPU, ports: ports.backends }
    : { label: 'backend node:http', command: process.execPath, args: [dist('baselines/node-backend.js'), ...ports.backends.map(String)], cpu: LOAD_CPU, ports: ports.backends };
  const b = new ServerProcess(spec);
  await b.waitReady();
  return b;
}

// ---------------------------------------------------------------- measuring

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

type RunResult = LoadResult & { cpuPerReq: number };
interface Measured { failed?: string; results: RunResult[]; rssBytes?: number }

/** Checks the server's answer, warms it up, then measures `runs` load runs with the server's CPU time around each. */
async function measureRuns(server: ServerProcess, sc: Scenario, runs: number, seconds = RUN_SECONDS): Promise<Measured> {
  const url = `http://127.0.0.1:${ports.front}${sc.path}`;
  const headers: Record<string, string> = { ...sc.headers };
  if (sc.revalidate) {
    const first = await preflight(url, 'GET', {});
    const etag = first.headers.etag;
    if (typeof etag !== 'string') return { failed: `no ETag in the response (status ${first.status})`, results: [] };
    headers['If-None-Match'] = etag;
  }
  const check = await preflight(url, sc.method ?? 'GET', headers);
  if (check.status !== sc.expectStatus || check.bodyBytes !== sc.expectBytes) {
    return { failed: `preflight: status ${check.status}, ${check.bodyBytes} body bytes (want ${sc.expectStatus}, ${sc.expectBytes})`, results: [] };
  }
  const load = (s: number) => runLoad({
    url, connections: CONNECTIONS, seconds: s, cpu: LOAD_CPU, method: sc.method, headers, scratchDir: prefix,
  });
  await load(WARMUP_SECONDS);
  const results: RunResult[] = [];
  for (let i = 0; i < runs; i++) {
    const cpu0 = treeCpuMicros(server.pid);
    const r = await load(seconds);
    const cpu1 = treeCpuMicros(server.pid);
    if (r.requests === 0) return { failed: 'the load generator counted no complete response in a run', results };
    results.push({ ...r, cpuPerReq: (cpu1 - cpu0) / r.requests });
  }
  return { results, rssBytes: treeRssBytes(server.pid) };
}

function rowFromRuns(sc: Scenario, name: ServerName, m: Measured): Row {
  const row: Row = { scenario: sc.title, server: SERVER_TITLES[name], notes: [] };
  if (m.failed) {
    row.failed = m.failed;
    return row;
  }
  row.rps = median(m.results.map((r) => r.requestsPerSec));
  row.p99Ms = median(m.results.map((r) => r.p99Ms));
  row.cpuMicrosPerReq = median(m.results.map((r) => r.cpuPerReq));
  row.rssBytes = m.rssBytes;
  const errors = m.results.reduce((a, r) => a + r.errors, 0);
  if (errors > 0) row.notes.push(`${errors} errors (socket or non-2xx/3xx)`);
  return row;
}

/** RSS of the server's tree before and after a separate process opens 10,000 idle keep-alive connections. */
async function measureIdle(server: ServerProcess, name: ServerName): Promise<Row> {
  const row: Row = { scenario: IDLE_TITLE, server: SERVER_TITLES[name], notes: [] };
  // One request first, so that lazily loaded code is counted in "before" and not as connection cost.
  await preflight(`http://127.0.0.1:${ports.front}/1k.bin`, 'GET', {});
  row.rssBefore = treeRssBytes(server.pid);
  const client = spawn('taskset', ['-c', String(LOAD_CPU), process.execPath, dist('idle-client.js'), String(ports.front), '/1k.bin', String(IDLE_CONNECTIONS)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  trackChild(client);
  let out = '';
  let err = '';
  client.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  client.stderr.on('data', (c: Buffer) => { err += c.toString(); });
  const exited = new Promise<number | null>((resolve) => client.once('exit', resolve));
  try {
    const ready = await Promise.race([
      new Promise<boolean>((resolve) => client.stdout.on('data', () => { if (/ready \d+/.test(out)) resolve(true); })),
      exited.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 60_000)),
    ]);
    if (!ready) {
      row.failed = `idle client: ${(err || out || 'no answer within 60 s').trim().split('\n')[0]}`;
      return row;
    }
    row.rssBytes = treeRssBytes(server.pid);
  } finally {
    client.stdin.end();
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000))]);
    if (code === 'timeout') client.kill('SIGKILL');
    else if (code === 2 && !row.failed) row.notes.push('the server closed some held connections');
  }
  return row;
}

async function withServer<T>(spec: ServerSpec, body: (s: ServerProcess) => Promise<T>): Promise<T> {
  const server = new ServerProcess(spec);
  try {
    await server.waitReady();
    return await body(server);
  } finally {
    await server.stop();
  }
}

function failureText(e: unknown): string {
  const lines = String((e as Error).message ?? e).split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.slice(0, 3).join(' / ').slice(0, 300);
}

// ---------------------------------------------------------------- the table

const MiB = 1024 * 1024;
function fmtRps(n?: number): string { return n === undefined ? '' : Math.round(n).toLocaleString('en'); }
function fmtMs(n?: number): string { return n === undefined ? '' : n < 1 ? `${(n * 1000).toFixed(0)} µs` : `${n.toFixed(2)} ms`; }
function fmtCpu(n?: number): string { return n === undefined || Number.isNaN(n) ? '' : n.toFixed(1); }
function fmtMem(r: Row): string {
  if (r.rssBytes === undefined) return '';
  if (r.rssBefore !== undefined) {
    return `+${((r.rssBytes - r.rssBefore) / MiB).toFixed(1)} MiB (${(r.rssBefore / MiB).toFixed(1)} → ${(r.rssBytes / MiB).toFixed(1)})`;
  }
  return `${(r.rssBytes / MiB).toFixed(1)} MiB`;
}

function printTable(rows: Row[], byScenario: Map<string, Map<ServerName, Row>>): void {
  const out: string[] = [];
  out.push('| scenario | server | req/s (median of 3) | p99 | server CPU µs/req | memory (RSS, master + workers) | vs nginx | notes |');
  out.push('| --- | --- | ---: | ---: | ---: | --- | --- | --- |');
  for (const r of rows) {
    const group = byScenario.get(r.scenario)!;
    const nginx = group.get('nginx');
    let ratio = '';
    if (r.failed) ratio = '';
    else if (nginx && !nginx.failed && r.rssBefore !== undefined && nginx.rssBefore !== undefined) {
      ratio = `${((r.rssBytes! - r.rssBefore) / (nginx.rssBytes! - nginx.rssBefore)).toFixed(1)}× memory`;
    } else if (nginx && !nginx.failed && r.rps !== undefined && nginx.rps) {
      ratio = `${(r.rps / nginx.rps).toFixed(2)} (CPU ${(r.cpuMicrosPerReq! / nginx.cpuMicrosPerReq!).toFixed(2)}×)`;
    }
    const rowNotes = [...r.notes];
    if (r.failed) rowNotes.unshift(`FAILED: ${r.failed}`);
    out.push(`| ${r.scenario} | ${r.server} | ${fmtRps(r.rps)} | ${fmtMs(r.p99Ms)} | ${fmtCpu(r.cpuMicrosPerReq)} | ${fmtMem(r)} | ${ratio} | ${rowNotes.join('; ').replace(/\|/g, '\\|')} |`);
  }
  console.log(out.join('\n'));
}

/** Issue 7's targets for ngts, each judged from figures of this run and noted on ngts's row. */
function addTargetNotes(byScenario: Map<string, Map<ServerName, Row>>): void {
  const group = (id: string) => byScenario.get(id === 'idle' ? IDLE_TITLE : SCENARIOS.find((s) => s.id === id)!.title);
  const judge = (id: string, versus: ServerName, what: 'req/s' | 'CPU/req' | 'memory', bound: number) => {
    const g = group(id);
    const ngts = g?.get('ngts');
    const other = g?.get(versus);
    if (!ngts || ngts.failed || !other || other.failed) return;
    let ratio: number;
    if (what === 'req/s') ratio = ngts.rps! / other.rps!;
    else if (what === 'CPU/req') ratio = ngts.cpuMicrosPerReq! / other.cpuMicrosPerReq!;
    else ratio = (ngts.rssBytes! - ngts.rssBefore!) / (other.rssBytes! - other.rssBefore!);
    const met = what === 'req/s' ? ratio >= bound : ratio <= bound;
    const who = versus === 'nginx' ? 'nginx' : SERVER_TITLES[versus];
    ngts.notes.push(`target ${what} ${what === 'req/s' ? '≥' : '≤'} ${bound} × ${who}: ${ratio.toFixed(2)}, ${met ? 'met' : 'NOT met'}`);
  };
  judge('static-1k', 'nginx', 'req/s', 0.8);
  judge('static-1k-close', 'nginx', 'CPU/req', 1.5);
  judge('static-100k', 'nginx', 'req/s', 0.6);
  judge('static-1m', 'nginx', 'CPU/req', 2);
  judge('304', 'nginx', 'req/s', 0.8);
  judge('logged', 'nginx', 'req/s', 0.7);
  judge('proxy-1k', 'http-proxy', 'req/s', 0.9);
  judge('idle', 'node-buffer', 'memory', 1.2);
}

// ---------------------------------------------------------------- main

async function runTable(): Promise<void> {
  const started = Date.now();
  const loadBefore = os.loadavg()[0];
  const confs = prepareConfs();
  backend = await startBackend();
  const byScenario = new Map<string, Map<ServerName, Row>>();
  const record = (name: ServerName, row: Row) => {
    if (!byScenario.has(row.scenario)) byScenario.set(row.scenario, new Map());
    byScenario.get(row.scenario)!.set(name, row);
  };
  const scenarios = SCENARIOS.filter((s) => !onlyScenarios || onlyScenarios.includes(s.id));
  const servers = (['nginx', 'ngts', 'node-buffer', 'node-stream', 'http-proxy', 'node-agent', 'undici'] as ServerName[]).filter(wanted);

  // Scenario by scenario, and within a scenario round by round: each round starts every server
  // afresh and measures one run of each, so that nginx's and ngts's runs alternate and a change in
  // the machine's background load falls on both rather than on one of them.
  for (const sc of scenarios) {
    const measured = new Map<ServerName, Measured>();
    for (let round = 0; round < RUNS; round++) {
      for (const name of servers.filter((n) => sc.servers.includes(n))) {
        const soFar = measured.get(name) ?? { results: [] };
        if (soFar.failed) continue;
        process.stderr.write(`bench: ${sc.id}: ${name} (run ${round + 1} of ${RUNS})\n`);
        try {
          const m = await withServer(serverSpec(name, confs), (server) => measureRuns(server, sc, 1));
          measured.set(name, { failed: m.failed, results: [...soFar.results, ...m.results], rssBytes: m.rssBytes });
        } catch (e) {
          measured.set(name, { ...soFar, failed: failureText(e) });
        }
      }
    }
    for (const [name, m] of measured) record(name, rowFromRuns(sc, name, m));
  }

  if (!onlyScenarios || onlyScenarios.includes('idle')) {
    for (const name of IDLE_SERVERS.filter(wanted)) {
      process.stderr.write(`bench: idle: ${name}\n`);
      const title = IDLE_TITLE;
      try {
        record(name, await withServer(serverSpec(name, confs), (s) => measureIdle(s, name)));
      } catch (e) {
        record(name, { scenario: title, server: SERVER_TITLES[name], notes: [], failed: failureText(e) });
      }
    }
  }
  await backend.stop();

  const rows: Row[] = [];
  for (const group of byScenario.values()) rows.push(...group.values());
  const proxy = byScenario.get(SCENARIOS.find((s) => s.id === 'proxy-1k')!.title);
  const bare = proxy?.get('http-proxy');
  if (proxy && bare?.rps) {
    for (const [name, r] of proxy) {
      if (name !== 'http-proxy' && r.rps !== undefined) r.notes.unshift(`${(r.rps / bare.rps).toFixed(2)}× bare http-proxy`);
    }
  }

  addTargetNotes(byScenario);

  if (!onlyScenarios || onlyScenarios.includes('parse')) {
    process.stderr.write('bench: config parse\n');
    const parse = benchConfigParse(5000, quick ? 3 : 7);
    rows.push({
      scenario: `config parse + validate, 5,000 servers × 4 locations (${(parse.bytes / MiB).toFixed(2)} MiB)`,
      server: 'ngts (in process)',
      notes: [`${parse.medianMs.toFixed(0)} ms, median of ${parse.runs.length} loads (target < 1 s)`],
    });
    byScenario.set(rows[rows.length - 1].scenario, new Map());
  }

  console.log(`\nngts bench — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), Node ${process.version}, `
    + `${NGINX ? spawnSync(NGINX, ['-v'], { encoding: 'utf8' }).stderr.trim().replace('nginx version: ', '') : 'nginx not installed'}, load: ${loadGeneratorName()} -t1 -c${CONNECTIONS} -d${RUN_SECONDS}s on CPU ${LOAD_CPU}, `
    + `servers: one worker on CPU ${SERVER_CPU}, proxy backend: ${NGINX ? 'nginx' : 'node:http'} on CPU ${LOAD_CPU}${quick ? ' (--quick)' : ''}\n`);
  printTable(rows, byScenario);
  console.log(`\nMachine load average (1 min) at the start / end of the bench: ${loadBefore.toFixed(2)} / ${os.loadavg()[0].toFixed(2)} `
    + `on ${os.cpus().length} CPUs (other work on the machine shows up as noise, mostly in req/s and p99).`);
  console.log('\nCPU µs/req: user+system time of the server\'s process tree (from /proc) over a run, divided by the requests of that run (median of 3). '
    + '"vs nginx": req/s ratio, and CPU per request ratio, to nginx measured in this same run.');
  for (const n of notes) console.log(`\nNote: ${n}`);
  process.stderr.write(`bench: done in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}

async function runProfile(): Promise<void> {
  const confs = prepareConfs();
  backend = await startBackend();
  const keep = path.join(REPO_ROOT, 'dist', 'bench-profiles');
  fs.mkdirSync(keep, { recursive: true });
  for (const id of onlyScenarios ?? ['static-1k', 'proxy-1k']) {
    const sc = SCENARIOS.find((s) => s.id === id);
    if (sc === undefined) throw new Error(`--profile: no scenario "${id}"`);
    const dir = path.join(prefix, 'prof', id);
    fs.mkdirSync(dir, { recursive: true });
    // Writable by all: run as root, ngts (like nginx) runs its workers as an unprivileged user.
    fs.chmodSync(dir, 0o777);
    // Node 20 refuses --cpu-prof in NODE_OPTIONS; on the master's command line it reaches the
    // workers too, as cluster forks them with the master's execArgv.
    const base = serverSpec('ngts', confs);
    // SIGQUIT: a graceful quit lets the worker exit normally, which is when V8 writes the profile.
    const spec = { ...base, args: ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...base.args], stopSignal: 'SIGQUIT' as const };
    const row = rowFromRuns(sc, 'ngts', await withServer(spec, (s) => measureRuns(s, sc, 1)));
    console.log(`\n### ngts ${sc.title}: ${fmtRps(row.rps)} req/s under the profiler${row.failed ? ` — FAILED: ${row.failed}` : ''}\n`);
    if (row.failed) continue;
    const file = busiestProfile(dir);
    if (!file) {
      console.log('no .cpuprofile was written (did the worker exit normally?)');
      continue;
    }
    const kept = path.join(keep, `${id}.cpuprofile`);
    fs.copyFileSync(file, kept);
    const { totalMs, entries } = topSelfTime(file, 20, REPO_ROOT + '/');
    console.log(`${path.relative(REPO_ROOT, kept)}: ${totalMs.toFixed(0)} ms of non-idle samples\n`);
    console.log('| self % | self ms | function | where |');
    console.log('| ---: | ---: | --- | --- |');
    for (const e of entries) console.log(`| ${(e.share * 100).toFixed(1)} | ${e.selfMs.toFixed(0)} | ${e.name} | ${e.where} |`);
  }
  await backend.stop();
}

try {
  if (profileMode) await runProfile();
  else await runTable();
} catch (e) {
  console.error(`bench: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
}
