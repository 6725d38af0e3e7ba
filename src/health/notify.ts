// check_notify: keepalived's notify_up / notify_down. The script runs as `script up|down UPSTREAM
// PEER` without a shell, is killed after NOTIFY_TIMEOUT_MS, and its failure is logged. The master
// never waits for it: not for its verdict, and not at exit (the child and its timer are unref'd).
import { spawn } from 'node:child_process';
import { strerror } from '../log/strerror.js';

export const NOTIFY_TIMEOUT_MS = 10_000;

export type NotifyLog = (level: 'error' | 'warn', message: string) => void;

export function runNotify(script: string, event: 'up' | 'down', upstream: string, peer: string, log: NotifyLog): void {
  const args = [event, upstream, peer];
  const what = `check_notify "${script} ${args.join(' ')}"`;
  let timedOut = false;
  const child = spawn(script, args, { stdio: 'ignore' });
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, NOTIFY_TIMEOUT_MS);
  timer.unref();
  child.unref();
  child.on('error', (e: NodeJS.ErrnoException) => {
    clearTimeout(timer);
    log('error', `${what} failed (${strerror(e)})`);
  });
  child.on('exit', (code, signal) => {
    clearTimeout(timer);
    if (timedOut) log('error', `${what} timed out after ${NOTIFY_TIMEOUT_MS / 1000}s and was killed`);
    else if (signal) log('error', `${what} exited on signal ${signal}`);
    else if (code !== 0) log('error', `${what} exited with code ${code}`);
  });
}
