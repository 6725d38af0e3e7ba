// check_notify: keepalived's notify_up / notify_down. The script runs as `script up|down UPSTREAM
// PEER` without a shell, is killed after NOTIFY_TIMEOUT_MS, and its failure is logged; the
// master never waits for it (a hung script delays nothing but itself).
import { execFile } from 'node:child_process';
import { errnoText } from '../config/parse.js';

export const NOTIFY_TIMEOUT_MS = 10_000;

export type NotifyLog = (level: 'error' | 'warn', message: string) => void;

export function runNotify(script: string, event: 'up' | 'down', upstream: string, peer: string, log: NotifyLog): void {
  const args = [event, upstream, peer];
  const what = `check_notify "${script} ${args.join(' ')}"`;
  try {
    execFile(script, args, { timeout: NOTIFY_TIMEOUT_MS, killSignal: 'SIGKILL' }, (err) => {
      if (!err) return;
      const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: string | number; signal?: string };
      if (e.killed) log('error', `${what} timed out after ${NOTIFY_TIMEOUT_MS / 1000}s and was killed`);
      else if (typeof e.code === 'number') log('error', `${what} exited with code ${e.code}`);
      else if (e.signal) log('error', `${what} exited on signal ${e.signal}`);
      else log('error', `${what} failed (${errnoText(e)})`);
    }).on('error', () => { /* reported by the callback */ });
  } catch (e) {
    log('error', `${what} failed (${errnoText(e as NodeJS.ErrnoException)})`);
  }
}
