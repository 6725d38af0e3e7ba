// Content directives: ngx_http_rewrite_module's `return` and ngx_http_autoindex_module.
import { argError } from '../errors.js';
import { FLAG, TAKE, type DirectiveSpec } from '../spec.js';
import { flagArg, setOnce } from '../slots.js';

export const contentDirectives: DirectiveSpec[] = [
  {
    name: 'return', contexts: ['server', 'location'], args: TAKE(1, 2),
    handle(d, s) {
      const first = d.args[0];
      if (d.args.length === 1 && /^(https?:\/\/|\$scheme)/.test(first)) {
        setOnce(d, s.loc!, 'return', { code: 302, text: first });
        return;
      }
      if (!/^\d+$/.test(first) || Number(first) > 999) throw argError(d, 0, `invalid return code "${first}"`);
      setOnce(d, s.loc!, 'return', { code: Number(first), text: d.args[1] });
    },
  },
  { name: 'autoindex', contexts: ['http', 'server', 'location'], args: FLAG, handle(d, s) { setOnce(d, s.loc!, 'autoindex', flagArg(d)); } },
];
