// Starts a server (or backend) as a child process pinned to one CPU, waits until its port accepts
// connections, and stops it — its whole process tree — cleanly. Every child started here is
// remembered so that the bench can stop them all when it fails or is interrupted.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { processTree } from './process-tree.js';

export interface ServerSpec {
  label: string;
  command: string;
  args: string[];
  /** The CPU the process (and every child it forks) is pinned to, with taskset. */
  cpu: number;
  /** Ports that must accept connections before the server counts as started. */
  ports: number[];
  env?: NodeJS.ProcessEnv;
  /** Signal for a clean stop: nginx and ngts stop fast on SIGTERM, finish gracefully on SIGQUIT. */
  stopSignal?: NodeJS.Signals;
}

export class ServerProcess {
  readonly child: ChildProcess;
  private output = '';
  private exited = false;
  private readonly exitPromise: Promise<void>;

  constructor(readonly spec: ServerSpec) {
    this.child = spawn('taskset', ['-c', String(spec.cpu), spec.command, ...spec.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: spec.env ?? process.env,
    });
    const keep = (chunk: Buffer) => {
      this.output += chunk.toString();
      if (this.output.length > 20_000) this.output = this.output.slice(-10_000);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.exitPromise = new Promise((resolve) => this.child.once('exit', () => { this.exited = true; resolve(); }));
    running.add(this);
  }

  get pid(): number { return this.child.pid!; }
  get log(): string { return this.output; }

  /** Resolves once every port accepts a connection; rejects if the process exits first or after `timeoutMs`. */
  async waitReady(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const port of this.spec.ports) {
      for (;;) {
        if (this.exited) throw new Error(`${this.spec.label} exited before listening:\n${this.output.trim()}`);
        if (await canConnect(port)) break;
        if (Date.now() > deadline) throw new Error(`${this.spec.label} did not listen on ${port} within ${timeoutMs} ms:\n${this.output.trim()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Sends the stop signal, waits for the whole tree to exit, and SIGKILLs what is left after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    const tree = processTree(this.pid);
    if (!this.exited) this.child.kill(this.spec.stopSignal ?? 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && tree.some(alive)) await new Promise((r) => setTimeout(r, 25));
    for (const pid of tree) if (alive(pid)) killQuietly(pid, 'SIGKILL');
    await this.exitPromise;
    running.delete(this);
  }

  /** Synchronous last resort for process exit: SIGKILL the tree. */
  killNow(): void {
    for (const pid of processTree(this.pid).reverse()) killQuietly(pid, 'SIGKILL');
  }
}

const running = new Set<ServerProcess>();

const helpers = new Set<ChildProcess>();

/** Remembers a short-lived child (the load generator, the idle client) until it exits. */
export function trackChild(child: ChildProcess): void {
  helpers.add(child);
  child.once('exit', () => helpers.delete(child));
}

/** Stops, synchronously and by pid, every server and helper this process started and has not stopped yet. */
export function killAllStarted(): void {
  for (const c of helpers) if (c.pid !== undefined) killQuietly(c.pid, 'SIGKILL');
  helpers.clear();
  for (const s of running) s.killNow();
  running.clear();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** A port that was free a moment ago (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
