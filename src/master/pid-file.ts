// The pid file: written once the server accepts connections, removed on exit, and read before
// starting to refuse a second master on the same pid file.
import fs from 'node:fs';
import path from 'node:path';

/** The pid of a live master holding `file`, or undefined when the file is absent or stale. */
export function runningMaster(file: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
  if (!/^\d+$/.test(text)) return undefined;
  const pid = Number(text);
  if (pid === process.pid || pid <= 1) return undefined;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  // A pid reused by an unrelated process does not hold the file.
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!/node|ngts/.test(cmdline)) return undefined;
  } catch {
    // No /proc: trust kill(pid, 0).
  }
  return pid;
}

export function writePidFile(file: string, pid = process.pid): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${pid}\n`);
}

/** Removes the file if it still names `pid` (a new master may have replaced it). */
export function removePidFile(file: string, pid = process.pid): void {
  try {
    if (fs.readFileSync(file, 'utf8').trim() === String(pid)) fs.unlinkSync(file);
  } catch {
    // Already gone.
  }
}
