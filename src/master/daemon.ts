// `daemon on`: node cannot fork(), so the process the user started spawns itself again, detached
// (new session, no terminal, stdio on /dev/null), and waits until that copy reports over a pipe
// that it serves — or why it could not start — before exiting, with nginx's exit status and
// startup errors on the terminal.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

const STATUS_ENV = 'NGTS_DAEMON_STATUS_FD';
const STATUS_FD = 3;
const READY = 'ready';
/** Ends the one status message: the pipe's end-of-file is not relied on (children may inherit it). */
const END = '\0';

export function isDaemonChild(): boolean {
  return process.env[STATUS_ENV] !== undefined;
}

/** The foreground side: start the daemon and relay its startup outcome. */
export function detach(): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    env: { ...process.env, [STATUS_ENV]: String(STATUS_FD) },
  });
  return new Promise((resolve) => {
    let status = '';
    const pipe = child.stdio[STATUS_FD] as NodeJS.ReadableStream;
    pipe.setEncoding('utf8');
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      child.unref();
      (pipe as NodeJS.ReadableStream & { destroy(): void }).destroy();
      const end = status.indexOf(END);
      const message = end >= 0 ? status.slice(0, end) : '';
      if (message === READY) return resolve(0);
      process.stderr.write(message || 'ngts: [emerg] the daemon exited during startup\n');
      resolve(1);
    };
    pipe.on('data', (chunk: string) => {
      status += chunk;
      if (status.includes(END)) settle();
    });
    pipe.on('end', settle);
    pipe.on('error', settle);
  });
}

/** The daemon side: tell the foreground process how startup went (once), and close the pipe. */
export function reportStartup(error?: string): void {
  if (!isDaemonChild()) return;
  const fd = Number(process.env[STATUS_ENV]);
  delete process.env[STATUS_ENV];
  try {
    fs.writeSync(fd, (error ?? READY) + END);
    fs.closeSync(fd);
  } catch {
    // The foreground process is gone; nobody to tell.
  }
}
