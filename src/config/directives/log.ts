// ngx_http_log_module: log_format and access_log.
import { argError, directiveError } from '../errors.js';
import { ONE_OR_MORE, TWO_OR_MORE, type DirectiveSpec } from '../spec.js';
import { fullPath } from '../slots.js';
import type { AccessLogConf, LogFormatConf } from '../types.js';
import { parseSize, parseTime } from '../values.js';
import { inheritedFromPrefix, notInherited, type ConfigModule } from '../fields.js';

export const COMBINED_FORMAT: LogFormatConf = {
  name: 'combined',
  escape: 'default',
  template: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"',
};

export const logFields = {
  /** "off" is an empty list. */
  accessLogs: inheritedFromPrefix<AccessLogConf[]>((prefix) => [{ path: prefix + '/logs/access.log', format: 'combined' }]),
  /** `access_log off` was given at this level (its other access_log lines are then ignored). */
  accessLogOff: notInherited<boolean>(),
};

const logDirectives: DirectiveSpec[] = [
  {
    name: 'log_format', contexts: ['http'], args: TWO_OR_MORE,
    handle(d, s) {
      const name = d.args[0];
      if (name === 'combined' || s.http!.logFormats[name]) {
        throw argError(d, 0, `duplicate "log_format" name "${name}"`);
      }
      let rest = d.args.slice(1);
      let escape: LogFormatConf['escape'] = 'default';
      const m = /^escape=(.*)$/.exec(rest[0]);
      if (m) {
        if (m[1] !== 'default' && m[1] !== 'json' && m[1] !== 'none') throw argError(d, 1, `unknown log format escaping "${m[1]}"`);
        escape = m[1];
        rest = rest.slice(1);
        if (rest.length === 0) throw directiveError(d, 'invalid number of arguments in "log_format" directive');
      }
      s.http!.logFormats[name] = { name, escape, template: rest.join('') };
    },
  },
  {
    name: 'access_log', contexts: ['http', 'server', 'location'], args: ONE_OR_MORE,
    handle(d, s) {
      const loc = s.loc!;
      // As in ngx_http_log_set_log: "off" anywhere at a level turns that level's logging off,
      // whatever other access_log lines it has.
      if (d.args[0] === 'off') {
        if (d.args.length > 1) throw argError(d, 1, `invalid parameter "${d.args[1]}"`);
        loc.accessLogOff = true;
        loc.accessLogs = [];
        return;
      }
      if (/^(syslog|memory):/.test(d.args[0])) throw argError(d, 0, `"${d.args[0].split(':')[0]}:" access_log targets are not supported by ngts`);
      if (d.args[0].includes('$')) throw argError(d, 0, 'variables in the "access_log" path are not supported by ngts');
      const log: AccessLogConf = { path: fullPath(s.prefix, d.args[0]), format: d.args[1] ?? 'combined' };
      if (log.format !== 'combined' && !s.http!.logFormats[log.format]) {
        throw argError(d, 1, `unknown log format "${log.format}"`);
      }
      for (let i = 2; i < d.args.length; i++) {
        const p = d.args[i];
        if (p.startsWith('buffer=')) {
          const size = parseSize(p.slice(7));
          if (size === undefined) throw argError(d, i, `invalid buffer size "${p.slice(7)}"`);
          log.buffer = size;
        } else if (p.startsWith('flush=')) {
          const t = parseTime(p.slice(6));
          if (t === undefined) throw argError(d, i, `invalid flush time "${p.slice(6)}"`);
          log.flush = t;
        } else if (p === 'gzip' || p.startsWith('gzip=') || p.startsWith('if=')) {
          throw argError(d, i, `"${p.split('=')[0]}" parameter of the "access_log" directive is not supported by ngts`);
        } else throw argError(d, i, `invalid parameter "${p}"`);
      }
      if (log.flush !== undefined && log.buffer === undefined) log.buffer = 64 * 1024;
      if (!loc.accessLogOff) (loc.accessLogs ??= []).push(log);
    },
  },
];

export const logModule: ConfigModule<typeof logFields> = { name: 'log', directives: logDirectives, fields: logFields };
