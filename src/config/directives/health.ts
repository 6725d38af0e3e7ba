// Active health checks and status pages (beyond nginx OSS): Tengine's upstream check module
// syntax (`check`, `check_http_send`, `check_http_expect_alive`, `check_status`), ngts's
// `check_notify` (keepalived's notify_up / notify_down), and nginx's own `stub_status`.
import { argError, directiveError } from '../errors.js';
import { TAKE, type DirectiveSpec } from '../spec.js';
import { fullPath, setOnce } from '../slots.js';
import type { UpstreamCheckConf } from '../types.js';
import { parseNumber } from '../values.js';
import { notInherited, type ConfigModule } from '../fields.js';

/** Tengine's defaults: `interval=30000 fall=5 rise=2 timeout=1000 default_down=true type=tcp`. */
export const CHECK_DEFAULTS: Readonly<UpstreamCheckConf> = {
  type: 'tcp', interval: 30_000, rise: 2, fall: 5, timeout: 1000, defaultDown: true,
};

/** Tengine checks these too; ngts does not. */
const UNSUPPORTED_CHECK_TYPES = new Set(['ssl_hello', 'mysql', 'ajp', 'fastcgi']);

export const healthFields = {
  /** `stub_status` here: nginx's connection counters, summed over all workers. */
  stubStatus: notInherited<boolean>(),
  /** `check_status [format]` here: the health-check status page; its default format. */
  checkStatus: notInherited<'html' | 'csv' | 'json'>(),
};

const healthDirectives: DirectiveSpec[] = [
  {
    name: 'check', contexts: ['upstream'], args: TAKE(1, 7),
    handle(d, s) {
      const check: UpstreamCheckConf = { ...CHECK_DEFAULTS };
      for (let i = 0; i < d.args.length; i++) {
        const p = d.args[i];
        const eq = p.indexOf('=');
        const name = eq < 0 ? p : p.slice(0, eq);
        const value = eq < 0 ? '' : p.slice(eq + 1);
        // Tengine's wording for any parameter it cannot read (invalid_check_parameter).
        const invalid = () => argError(d, i, `invalid parameter "${p}"`);
        const positive = (): number => {
          const n = parseNumber(value);
          if (n === undefined || n < 1) throw invalid();
          return n;
        };
        if (name === 'interval') check.interval = positive();
        else if (name === 'timeout') check.timeout = positive();
        else if (name === 'rise') check.rise = positive();
        else if (name === 'fall') check.fall = positive();
        else if (name === 'port') {
          const n = positive();
          if (n > 65535) throw invalid();
          check.port = n;
        } else if (name === 'default_down') {
          if (value !== 'true' && value !== 'false') throw invalid();
          check.defaultDown = value === 'true';
        } else if (name === 'type') {
          if (UNSUPPORTED_CHECK_TYPES.has(value)) throw argError(d, i, `check type "${value}" is not supported by ngts`);
          if (value !== 'tcp' && value !== 'http') throw invalid();
          check.type = value;
        } else throw invalid();
      }
      setOnce(d, s.upstream!, 'check', check);
    },
  },
  {
    name: 'check_http_send', contexts: ['upstream'], args: TAKE(1),
    handle(d, s) { setOnce(d, s.upstream!, 'checkHttpSend', d.args[0]); },
  },
  {
    name: 'check_http_expect_alive', contexts: ['upstream'], args: TAKE(1, 5),
    handle(d, s) {
      const classes: number[] = [];
      d.args.forEach((a, i) => {
        const m = /^http_([1-5])xx$/.exec(a);
        if (!m) throw argError(d, i, `invalid parameter "${a}"`);
        classes.push(Number(m[1]));
      });
      setOnce(d, s.upstream!, 'checkHttpExpectAlive', classes);
    },
  },
  {
    name: 'check_notify', contexts: ['upstream'], args: TAKE(1),
    handle(d, s) { setOnce(d, s.upstream!, 'checkNotify', fullPath(s.prefix, d.args[0])); },
  },
  {
    name: 'check_status', contexts: ['location'], args: TAKE(0, 1),
    handle(d, s) {
      const format = d.args[0] ?? 'html';
      if (format !== 'html' && format !== 'csv' && format !== 'json') throw argError(d, 0, `invalid parameter "${format}"`);
      if (s.loc!.checkStatus !== undefined) throw directiveError(d, '"check_status" directive is duplicate');
      s.loc!.checkStatus = format;
    },
  },
  {
    // nginx 1.22 takes an optional (ignored) argument, left over from `stub_status on`.
    name: 'stub_status', contexts: ['server', 'location'], args: TAKE(0, 1),
    handle(d, s) { setOnce(d, s.loc!, 'stubStatus', true); },
  },
];

export const healthModule: ConfigModule<typeof healthFields> = { name: 'health', directives: healthDirectives, fields: healthFields };
