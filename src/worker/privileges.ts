// What an nginx worker does to its own process before serving (ngx_worker_process_init): raise
// its open-files limit (worker_rlimit_nofile) and, when started as root, become `user`.
import { execFileSync } from 'node:child_process';
import type { MainConf } from '../config/types.js';

/** nginx's compiled-in defaults when the master runs as root and `user` is not set. */
const DEFAULT_USER = 'nobody';
const DEFAULT_GROUP = 'nogroup';

/**
 * Whether this process runs as root: what decides a server's default port (80, else 8000), the
 * `user` directive's effect and the workers' privilege drop. (nginx asks getuid() for the port and
 * geteuid() for the rest; they differ only in a set-uid program, which node is not.)
 */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Node has no setrlimit(): util-linux's `prlimit --pid` sets this process's soft and hard limit,
 * as nginx's setrlimit(RLIMIT_NOFILE, {n, n}) does. Returns nginx's alert text on failure.
 */
export function setRlimitNofile(n: number): string | undefined {
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${n}:${n}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    return undefined;
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
    const why = err.code === 'ENOENT' ? 'prlimit command not found' : (err.stderr?.toString().trim() || err.message);
    return `setrlimit(RLIMIT_NOFILE, ${n}) failed (${why})`;
  }
}

/**
 * Root only: become `user [group]` (group defaults to the user's name, as in nginx; with no
 * `user` directive, nobody:nogroup). Returns nginx's emerg text on failure.
 */
export function dropPrivileges(main: MainConf): string | undefined {
  if (!isRoot()) return undefined;
  const user = main.user?.user ?? DEFAULT_USER;
  const group = main.user ? (main.user.group ?? main.user.user) : DEFAULT_GROUP;
  // nginx looks the user up first; node has no getpwnam(), getent asks the same NSS databases.
  try {
    execFileSync('getent', ['passwd', user], { stdio: 'ignore' });
  } catch {
    return `getpwnam("${user}") failed`;
  }
  try {
    process.setgid!(group);
  } catch {
    return `getgrnam("${group}") failed`;
  }
  try {
    // initgroups(3) is in node (POSIX) but missing from @types/node 20.
    (process as unknown as { initgroups(user: string, group: string): void }).initgroups(user, group);
    process.setuid!(user);
  } catch {
    return `getpwnam("${user}") failed`;
  }
  return undefined;
}
