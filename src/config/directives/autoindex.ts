// ngx_http_autoindex_module.
import { FLAG, type DirectiveSpec } from '../spec.js';
import { flagArg, setOnce } from '../slots.js';
import { inherited, type ConfigModule } from '../fields.js';

export const autoindexFields = {
  autoindex: inherited(false),
};

const autoindexDirectives: DirectiveSpec[] = [
  { name: 'autoindex', contexts: ['http', 'server', 'location'], args: FLAG, handle(d, s) { setOnce(d, s.loc!, 'autoindex', flagArg(d)); } },
];

export const autoindexModule: ConfigModule<typeof autoindexFields> = { name: 'autoindex', directives: autoindexDirectives, fields: autoindexFields };
