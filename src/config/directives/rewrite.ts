// ngx_http_rewrite_module: `return` (rewrite, if, set and break are not implemented yet).
import { argError } from '../errors.js';
import { TAKE, type DirectiveSpec } from '../spec.js';
import { notInherited, type ConfigModule } from '../fields.js';
import type { ReturnConf } from '../types.js';

export const rewriteFields = {
  return: notInherited<ReturnConf>(),
};

const rewriteDirectives: DirectiveSpec[] = [
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
];

export const rewriteModule: ConfigModule<typeof rewriteFields> = { name: 'rewrite', directives: rewriteDirectives, fields: rewriteFields };
