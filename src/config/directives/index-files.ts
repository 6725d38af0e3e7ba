// ngx_http_index_module: the index files tried for a URI ending in "/".
import { argError } from '../errors.js';
import { ONE_OR_MORE, type DirectiveSpec } from '../spec.js';
import { inherited, type ConfigModule } from '../fields.js';

const LOC = ['http', 'server', 'location'] as const;

export const indexFields = {
  index: inherited(['index.html']),
};

const indexDirectives: DirectiveSpec[] = [
  {
    name: 'index', contexts: LOC, args: ONE_OR_MORE,
    handle(d, s) {
      d.args.forEach((a, i) => {
        if (a === '') throw argError(d, i, `index "${a}" in "index" directive is invalid`);
      });
      (s.loc!.index ??= []).push(...d.args);
    },
  },
];

export const indexModule: ConfigModule<typeof indexFields> = { name: 'index', directives: indexDirectives, fields: indexFields };
