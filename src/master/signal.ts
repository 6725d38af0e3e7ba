// `ngts -s stop|quit|reopen|reload`: find the master through the pid file of the configuration
// the command line names, and signal it — with nginx's messages when that fails.
import fs from 'node:fs';
import os from 'node:os';
import { SIGNALS, type SignalName, type Startup } from '../cli-options.js';
import { LoadFailure } from '../config/load.js';
import { formatConfigError } from '../config/report.js';
import { strerror } from '../log/strerror.js';

/** The number nginx prints for a signal ("kill(1234, 15) failed", "signal 1 (SIGHUP) received"). */
export function signalNumber(signal: NodeJS.Signals): number {
  return os.constants.signals[signal];
}

export function sendSignal(s: Startup, name: SignalName): number {
  let pidFile: string;
  try {
    pidFile = s.load().config.main.pid;
  } catch (e) {
    if (!(e instanceof LoadFailure)) throw e;
    process.stderr.write(formatConfigError(e.error, e.sources));
    return 1;
  }
  let text: string;
  try {
    text = fs.readFileSync(pidFile, 'utf8');
  } catch (e) {
    process.stderr.write(`ngts: [error] open() "${pidFile}" failed (${strerror(e as NodeJS.ErrnoException)})\n`);
    return 1;
  }
  const trimmed = text.replace(/\s+$/, '');
  if (!/^\d+$/.test(trimmed)) {
    process.stderr.write(`ngts: [error] invalid PID number "${trimmed}" in "${pidFile}"\n`);
    return 1;
  }
  const pid = Number(trimmed);
  const signal = SIGNALS[name];
  try {
    process.kill(pid, signal);
  } catch (e) {
    process.stderr.write(`ngts: [alert] kill(${pid}, ${signalNumber(signal)}) failed (${strerror(e as NodeJS.ErrnoException)})\n`);
    return 1;
  }
  return 0;
}
