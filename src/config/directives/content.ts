// Content directives: ngx_http_rewrite_module's `return` and ngx_http_autoindex_module.
import { argError } from '../errors.js';
import { FLAG, TAKE, type DirectiveSpec } from '../spec.js';
import { flagArg, setOnce } from '../slots.js';
import type { ReturnConf } from '../types.js';

export const contentDirectives: DirectiveSpec[] = [
  {
    name: 'return', contexts: ['server', 'location'], args: TAKE(1, 2),
    handle(d, s) {
      const first = d.args[0];
      let ret: ReturnConf;
      if (d.args.length === 1 && /^(https?:\/\/|\$scheme)/.test(first)) ret = { code: 302, text: first };
      else if (!/^\d+$/.test(first) || Number(first) > 999) throw argError(d, 0, `invalid return code "${first}"`);
      else ret = { code: Number(first), text: d.args[1] };
      // nginx accepts several; the first one ends the phase, so later ones never run.
      s.loc!.return ??= ret;
    },
  },
  { name: 'autoindex', contexts: ['http', 'server', 'location'], args: FLAG, handle(d, s) { setOnce(d, s.loc!, 'autoindex', flagArg(d)); } },
];
