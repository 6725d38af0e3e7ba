// Main and events context: the process model (ngx_core_module, ngx_events_module).
import { argError, directiveError } from '../errors.js';
import { FLAG, TAKE, type DirectiveSpec } from '../spec.js';
import { flagArg, fullPath, numberArg, setOnce, timeArg } from '../slots.js';
import { LOG_LEVELS, type LogLevel, type ErrorLogConf } from '../types.js';
import type { Directive } from '../ast.js';

export const coreDirectives: DirectiveSpec[] = [
  {
    name: 'worker_processes', contexts: ['main'], args: TAKE(1),
    handle(d, s) {
      if (d.args[0] === 'auto') return setOnce(d, s.main, 'workerProcesses', 'auto');
      const n = Number(d.args[0]);
      if (!/^\d+$/.test(d.args[0]) || n < 1) throw argError(d, 0, `"${d.name}" directive invalid value`);
      setOnce(d, s.main, 'workerProcesses', n);
    },
  },
  { name: 'pid', contexts: ['main'], args: TAKE(1), handle(d, s) { setOnce(d, s.main, 'pid', fullPath(s.prefix, d.args[0])); } },
  { name: 'daemon', contexts: ['main'], args: FLAG, handle(d, s) { setOnce(d, s.main, 'daemon', flagArg(d)); } },
  {
    name: 'user', contexts: ['main'], args: TAKE(1, 2),
    handle(d, s) { setOnce(d, s.main, 'user', { user: d.args[0], group: d.args[1] }); },
  },
  {
    name: 'worker_rlimit_nofile', contexts: ['main'], args: TAKE(1),
    handle(d, s) { setOnce(d, s.main, 'workerRlimitNofile', numberArg(d)); },
  },
  {
    name: 'worker_shutdown_timeout', contexts: ['main'], args: TAKE(1),
    handle(d, s) { setOnce(d, s.main, 'workerShutdownTimeout', timeArg(d)); },
  },
  {
    // Beyond nginx (ldirectord's autoreload=yes): the master reloads when a config file changes.
    name: 'config_watch', contexts: ['main'], args: FLAG,
    handle(d, s) { setOnce(d, s.main, 'configWatch', flagArg(d)); },
  },
  {
    name: 'error_log', contexts: ['main', 'http', 'server', 'location'], args: TAKE(1, 2),
    handle(d, s) {
      const log = errorLogArg(d, s.prefix);
      // nginx also takes error_log per http/server/location; ngts logs request errors to the main
      // error log only, and says so rather than ignore the directive.
      if (s.context !== 'main') {
        throw directiveError(d, `"error_log" at ${s.context} level is not supported by ngts (use it in the main context)`);
      }
      s.main.errorLogs.push(log);
    },
  },
  {
    name: 'events', contexts: ['main'], args: TAKE(0), block: 'directives',
    handle(d, s) {
      if (s.main.eventsSeen) throw directiveError(d, '"events" directive is duplicate');
      s.main.eventsSeen = true;
      s.walk(d.block!, { ...s, context: 'events' });
    },
  },
  {
    name: 'worker_connections', contexts: ['events'], args: TAKE(1),
    handle(d, s) { setOnce(d, s.main, 'workerConnections', numberArg(d)); },
  },
];

export function errorLogArg(d: Directive, prefix: string): ErrorLogConf {
  const target = d.args[0];
  if (/^(syslog|memory):/.test(target)) {
    throw argError(d, 0, `"${target.split(':')[0]}:" error_log targets are not supported by ngts`);
  }
  const level = (d.args[1] ?? 'error') as LogLevel;
  if (!LOG_LEVELS.includes(level)) throw argError(d, 1, `invalid log level "${d.args[1]}"`);
  return { path: target === 'stderr' ? 'stderr' : fullPath(prefix, target), level };
}
