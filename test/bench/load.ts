// The load generator: wrk (one thread, pinned to its own CPU), or autocannon when wrk is absent.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { trackChild } from './server-process.js';

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  cpu: number;
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** A directory for wrk's Lua script, when one is needed. */
  scratchDir: string;
}

export interface LoadResult {
  requests: number;
  requestsPerSec: number;
  p99Ms: number;
  /** Socket errors plus responses that were not 2xx/3xx. */
  errors: number;
}

/** wrk's path; `--autocannon` makes the bench use autocannon even where wrk is installed. */
export const WRK = process.argv.includes('--autocannon') ? undefined : whichSync('wrk');

function whichSync(cmd: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function loadGeneratorName(): string {
  return WRK ? 'wrk' : 'autocannon';
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  return WRK ? runWrk(o) : runAutocannon(o);
}

async function runWrk(o: LoadOptions): Promise<LoadResult> {
  const args = ['-c', String(o.cpu), WRK!, '-t1', `-c${o.connections}`, `-d${o.seconds}s`, '--latency'];
  // wrk sets the method and extra headers from a Lua script; -H is enough for headers alone.
  for (const [name, value] of Object.entries(o.headers ?? {})) args.push('-H', `${name}: ${value}`);
  if (o.method && o.method !== 'GET') {
    const script = path.join(o.scratchDir, `wrk-${o.method.toLowerCase()}.lua`);
    fs.writeFileSync(script, `wrk.method = "${o.method}"\n`);
    args.push('-s', script);
  }
  args.push(o.url);
  const out = await capture('taskset', args);
  return parseWrk(out);
}

export function parseWrk(out: string): LoadResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(out);
  const total = /^\s+(\d+) requests in/m.exec(out);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)\b/m.exec(out);
  if (!rps || !total || !p99) throw new Error(`cannot read wrk's output:\n${out}`);
  const unit = { us: 0.001, ms: 1, s: 1000 }[p99[2] as 'us' | 'ms' | 's'];
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const errors = (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
  return { requests: Number(total[1]), requestsPerSec: Number(rps[1]), p99Ms: Number(p99[1]) * unit, errors };
}

/** autocannon runs in a child process so that it too can be pinned to its CPU. */
async function runAutocannon(o: LoadOptions): Promise<LoadResult> {
  const runner = path.join(path.dirname(fileURLToPath(import.meta.url)), 'autocannon-runner.js');
  const out = await capture('taskset', ['-c', String(o.cpu), process.execPath, runner, JSON.stringify(o)]);
  return JSON.parse(out) as LoadResult;
}

function capture(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    trackChild(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${err}${out}`));
    });
  });
}
