// ngx_http_headers_module: add_header and expires.
import { argError } from '../errors.js';
import { TAKE, type DirectiveSpec } from '../spec.js';
import { setOnce } from '../slots.js';
import type { ExpiresConf, HeaderConf } from '../types.js';
import { inherited, type ConfigModule } from '../fields.js';
import { parseTime } from '../values.js';

const LOC = ['http', 'server', 'location'] as const;

export const headersFields = {
  /** add_header lines of this level; inherited only by levels that define none. */
  addHeaders: inherited<HeaderConf[]>([]),
  expires: inherited<ExpiresConf>({ kind: 'off' }),
};

const headersDirectives: DirectiveSpec[] = [
  {
    name: 'add_header', contexts: LOC, args: TAKE(2, 3),
    handle(d, s) {
      if (d.args.length === 3 && d.args[2] !== 'always') throw argError(d, 2, `invalid parameter "${d.args[2]}"`);
      // nginx sends any name; node can only send HTTP tokens, so ngts refuses others at load.
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(d.args[0])) {
        throw argError(d, 0, `invalid header name "${d.args[0]}" in "add_header" directive for ngts`);
      }
      (s.loc!.addHeaders ??= []).push({ name: d.args[0], value: d.args[1], always: d.args.length === 3 });
    },
  },
  {
    name: 'expires', contexts: LOC, args: TAKE(1, 2),
    handle(d, s) {
      setOnce(d, s.loc!, 'expires', parseExpires(d.args, (i, msg) => argError(d, i, msg)));
    },
  },
];

export const headersModule: ConfigModule<typeof headersFields> = { name: 'headers', directives: headersDirectives, fields: headersFields };

/** ngx_http_headers_expires: "[modified] [+|-]time", "@time", "epoch", "max", "off". */
function parseExpires(args: string[], fail: (index: number, message: string) => Error): ExpiresConf {
  let modified = false;
  let i = 0;
  if (args.length === 2) {
    if (args[0] !== 'modified') throw fail(0, `invalid value "${args[0]}"`);
    modified = true;
    i = 1;
  }
  const value = args[i];
  if (!modified) {
    if (value === 'epoch') return { kind: 'epoch' };
    if (value === 'max') return { kind: 'max' };
    if (value === 'off') return { kind: 'off' };
  }
  let text = value;
  let daily = false;
  let sign = 1;
  if (text.startsWith('@')) {
    daily = true;
    text = text.slice(1);
    if (modified) throw fail(i, 'daily time cannot be used with "modified" parameter');
  } else if (text.startsWith('+')) {
    text = text.slice(1);
  } else if (text.startsWith('-')) {
    sign = -1;
    text = text.slice(1);
  }
  const ms = parseTime(text);
  if (ms === undefined) throw fail(i, `invalid value "${value}"`);
  const seconds = Math.floor(ms / 1000) * sign;
  if (daily) {
    if (seconds >= 24 * 60 * 60) throw fail(i, 'daily time value must be less than 24 hours');
    return { kind: 'daily', seconds };
  }
  return { kind: modified ? 'modified' : 'access', seconds };
}
