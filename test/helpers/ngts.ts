// Test harness: runs the real `bin/ngts` as a child process in a temporary prefix, and talks to it
// with real signals, real sockets and its real error log. Every wait is on a condition (with a
// generous upper bound that only turns a hang into a failure), never a fixed sleep.
//
//   const port = await freePort();
//   const ngts = await Ngts.start({
//     conf: `events {} http { server { listen 127.0.0.1:${port}; root html; } }`,
//     files: { 'html/index.html': 'hello' },
//   });
//   t.after(() => ngts.cleanup());               // or `await using`-style: always clean up
//   assert.equal((await request(port, '/')).body, 'hello');   // test/helpers/http-client.ts
//   await ngts.reload(newConfText);              // HUP, resolves once the new workers serve
//   const mark = ngts.logMark();                 // or by hand: any signal, any log line
//   ngts.signal('SIGUSR1');
//   await ngts.waitForLog(/reopening logs/, { after: mark, file: ngts.harnessLog });
//
// The master runs with `-g "daemon off;"`, so the pid it was started with is the master's pid.
// If tests run as root, workers run as nobody:nogroup (nginx's default), so the harness makes the
// prefix and the files it writes world-readable.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { NGTS_BIN, REPO_ROOT } from './repo.js';
import { waitFor, WAIT_LIMIT_MS } from './wait.js';

/** Relative to the prefix: the notice-level error log the harness adds with -g. */
const HARNESS_LOG = 'logs/harness.log';

const live = new Set<ChildProcess>();
// Whatever happens to the test process, no ngts it started outlives it.
process.on('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* gone */ }
  }
});

/**
 * A TCP port free on 127.0.0.1 a moment ago, chosen below the kernel's ephemeral range
 * (ip_local_port_range starts at 32768): a port from listen(0) is an ephemeral one, which the
 * kernel may hand to another process's client connection or listen(0) before ngts binds it —
 * a real risk while other tests churn thousands of connections.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (await canListen(port)) return port;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs bin/ngts with `args` to completion (e.g. `-s reload`, `-t`). */
export function runNgts(args: string[], options: { cwd?: string } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [NGTS_BIN, ...args], { cwd: options.cwd ?? REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface NgtsStartOptions {
  /** The text of conf/nginx.conf (relative paths resolve against the prefix). */
  conf: string;
  /** Other files to create, by path relative to the prefix (e.g. "html/index.html"). */
  files?: Record<string, string | Buffer>;
  /** -g directives; "daemon off;" is always added. */
  globals?: string;
  /**
   * Adds `error_log logs/harness.log notice;` (-g), whatever error_log the conf has: reload() reads
   * it, and so can waitForLog (file: ngts.harnessLog). Default true; false leaves the error logs
   * exactly as configured.
   */
  harnessLog?: boolean;
  /** Extra command-line arguments (e.g. ["-e", "logs/boot.log"]). */
  args?: string[];
  /** Wait for the pid file (default), or return as soon as the process is spawned. */
  waitReady?: boolean;
  /** Environment variables added to the test's own (e.g. NGTS_NODE_INTERNALS_OFF). */
  env?: Record<string, string>;
}

/** A running ngts master started by a test, in its own temporary prefix. */
export class Ngts {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  private exitInfo?: { code: number | null; signal: NodeJS.Signals | null };
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly prefix: string, readonly child: ChildProcess, readonly confFile: string) {
    live.add(child);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => this.stdout.push(d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => this.stderr.push(d));
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        live.delete(child);
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  /** Creates a prefix with `conf` and `files`, starts the master, waits for its pid file. */
  static async start(options: NgtsStartOptions): Promise<Ngts> {
    const prefix = makePrefix({ conf: options.conf, files: options.files });
    const globals = ['daemon off;', options.harnessLog === false ? '' : `error_log ${HARNESS_LOG} notice;`, options.globals ?? ''];
    const args = ['-p', prefix, '-c', 'conf/nginx.conf', '-g', globals.filter(Boolean).join(' '), ...(options.args ?? [])];
    const env = options.env === undefined ? process.env : { ...process.env, ...options.env };
    const child = spawn(process.execPath, [NGTS_BIN, ...args], { cwd: prefix, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const ngts = new Ngts(prefix, child, path.join(prefix, 'conf/nginx.conf'));
    if (options.waitReady !== false) {
      // A start that fails (or is too slow on a loaded machine) must not leave a master behind:
      // its pipes would keep the test file's process alive and the suite would never end.
      try {
        await ngts.waitReady();
      } catch (e) {
        await ngts.cleanup();
        throw e;
      }
    }
    return ngts;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** The default pid file (`pid` not set in the conf). */
  get pidFile(): string {
    return path.join(this.prefix, 'logs/ngts.pid');
  }

  /** The notice-level log the harness adds (see NgtsStartOptions.harnessLog). */
  get harnessLog(): string {
    return path.join(this.prefix, HARNESS_LOG);
  }

  /** The default error log; give the conf `error_log logs/error.log notice;` to see notices. */
  get errorLog(): string {
    return path.join(this.prefix, 'logs/error.log');
  }

  get exitStatus(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.exitInfo;
  }

  /** Resolves once the pid file names this master; rejects if it exits first. */
  async waitReady(pidFile = this.pidFile): Promise<void> {
    await waitFor(() => {
      if (this.exitInfo) throw new Error(`ngts exited during startup (${JSON.stringify(this.exitInfo)}): ${this.stderr.join('')}`);
      try {
        return fs.readFileSync(pidFile, 'utf8') === `${this.pid}\n`;
      } catch {
        return false;
      }
    }, `the pid file ${pidFile}`);
  }

  /**
   * Writes a file under the prefix (world-readable), e.g. a new conf before a reload: by default
   * beside it and renamed over it (as editors save, and so no reader sees half a file);
   * `inPlace` truncates and rewrites the same inode instead.
   */
  writeFile(rel: string, content: string | Buffer, options: { inPlace?: boolean } = {}): string {
    return writeInto(this.prefix, rel, content, options.inPlace);
  }

  path(rel: string): string {
    return path.join(this.prefix, rel);
  }

  signal(signal: NodeJS.Signals): void {
    process.kill(this.pid, signal);
  }

  /** Runs `bin/ngts -p <prefix> -c conf/nginx.conf <args>` (e.g. ["-s", "reload"]). */
  ngts(args: string[]): Promise<CommandResult> {
    return runNgts(['-p', this.prefix, '-c', 'conf/nginx.conf', ...args], { cwd: this.prefix });
  }

  /** The error log's text (empty if it does not exist yet). */
  logText(file = this.errorLog): string {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  }

  /** A position in the error log: pass it as `after` to wait only for lines written later. */
  logMark(file = this.errorLog): number {
    return Buffer.byteLength(this.logText(file));
  }

  /** Waits for an error-log line matching `pattern`, written after `after` (a logMark). */
  waitForLog(pattern: RegExp | string, options: { after?: number; file?: string; limitMs?: number } = {}): Promise<string> {
    const file = options.file ?? this.errorLog;
    return waitFor(() => {
      const text = Buffer.from(this.logText(file)).subarray(options.after ?? 0).toString('utf8');
      return text.split('\n').find((line) => (typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line)));
    }, `${pattern} in ${file}`, options.limitMs);
  }

  /**
   * Writes `conf` (if given) as conf/nginx.conf, sends HUP, and resolves once the reload took
   * effect: new workers started and every previous worker stopped accepting (it may still finish
   * its requests). Rejects with the [emerg] line if the configuration was refused.
   * Needs the harness log (the default).
   */
  async reload(conf?: string): Promise<void> {
    const mark = this.logMark(this.harnessLog);
    // Workers of an older generation may still be finishing their requests: not theirs to wait for.
    const before = this.logText(this.harnessLog);
    const previous = this.workerPids().filter((pid) => !before.includes(`${pid}#0: gracefully shutting down`));
    if (conf !== undefined) this.writeFile('conf/nginx.conf', conf);
    this.signal('SIGHUP');
    await waitFor(() => {
      const text = Buffer.from(this.logText(this.harnessLog)).subarray(mark).toString('utf8');
      const emerg = text.split('\n').find((line) => line.includes('[emerg]'));
      if (emerg) throw new Error(`reload refused: ${emerg}`);
      return text.includes('start worker process') && previous.every((pid) => text.includes(`${pid}#0: gracefully shutting down`));
    }, 'the reload');
  }

  /** The pids of the master's live worker processes. */
  workerPids(): number[] {
    const pids: number[] = [];
    try {
      for (const task of fs.readdirSync(`/proc/${this.pid}/task`)) {
        const text = fs.readFileSync(`/proc/${this.pid}/task/${task}/children`, 'utf8').trim();
        if (text) pids.push(...text.split(/\s+/).map(Number));
      }
    } catch {
      // The master is gone.
    }
    return pids;
  }

  /** Resolves with the master's exit status. */
  waitExit(limitMs = WAIT_LIMIT_MS): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return Promise.race([
      this.exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('ngts did not exit')), limitMs).unref()),
    ]);
  }

  /** Stops the master (TERM, then KILL) if it still runs, and removes the prefix. Idempotent. */
  async cleanup(): Promise<void> {
    if (!this.exitInfo) {
      try { this.signal('SIGTERM'); } catch { /* gone */ }
      const timer = setTimeout(() => { try { this.child.kill('SIGKILL'); } catch { /* gone */ } }, 5000);
      await this.exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.prefix, { recursive: true, force: true });
  }
}

/**
 * A temporary prefix with conf/nginx.conf, `files` and an empty logs/, world-readable (workers
 * may run as nobody when tests run as root). Remove it with fs.rmSync when not using Ngts.
 */
export function makePrefix(content: { conf?: string; files?: Record<string, string | Buffer> } = {}): string {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'ngts-test-'));
  fs.chmodSync(prefix, 0o755);
  if (content.conf !== undefined) writeInto(prefix, 'conf/nginx.conf', content.conf);
  for (const [rel, text] of Object.entries(content.files ?? {})) writeInto(prefix, rel, text);
  fs.mkdirSync(path.join(prefix, 'logs'), { recursive: true, mode: 0o755 });
  fs.chmodSync(path.join(prefix, 'logs'), 0o755);
  return prefix;
}

export function writeInto(prefix: string, rel: string, content: string | Buffer, inPlace = false): string {
  const file = path.join(prefix, rel);
  let dir = path.dirname(file);
  const made = fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (made) {
    // mkdir's mode is filtered by the umask: make every new level world-readable.
    while (dir.startsWith(made)) {
      fs.chmodSync(dir, 0o755);
      if (dir === made) break;
      dir = path.dirname(dir);
    }
  }
  if (inPlace) {
    fs.writeFileSync(file, content, { mode: 0o644 });
    return file;
  }
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content, { mode: 0o644 });
  fs.renameSync(tmp, file);
  return file;
}
