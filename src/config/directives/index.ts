// The configuration side of every module ngts has, in one list (nginx's ngx_modules.c): each
// module's directive table and loc_conf fields. The directive table is looked up by name; the
// fields are merged by merge.ts and give LocConf / MergedLocConf their types (types.ts).
import type { DirectiveSpec } from '../spec.js';
import { TAKE } from '../spec.js';
import type { ConfigModule, Fields } from '../fields.js';
import { coreDirectives } from './core.js';
import { httpCoreModule, type httpCoreFields } from './http.js';
import { logModule, type logFields } from './log.js';
import { rewriteModule, type rewriteFields } from './rewrite.js';
import { indexModule, type indexFields } from './index-files.js';
import { autoindexModule, type autoindexFields } from './autoindex.js';
import { headersModule, type headersFields } from './headers.js';
import { proxyModule, type proxyFields } from './proxy.js';
import { upstreamDirectives } from './upstream.js';
import { healthModule, type healthFields } from './health.js';
import { mapDirectives } from './map.js';

// `include` is expanded by the parser before directives are read (src/config/parse.ts); its row
// is here so that it is a known name with its contexts documented.
const includeDirective: DirectiveSpec = {
  name: 'include',
  contexts: ['main', 'events', 'http', 'server', 'location', 'upstream', 'types', 'map'],
  args: TAKE(1),
  handle() { /* expanded in parse.ts */ },
};

/** Modules whose directives write no loc_conf field. */
function tableOnly(name: string, directives: readonly DirectiveSpec[]): ConfigModule<Record<never, never>> {
  return { name, directives, fields: {} };
}

export const configModules: readonly ConfigModule<Fields>[] = [
  tableOnly('core', [includeDirective, ...coreDirectives]),
  httpCoreModule,
  logModule,
  rewriteModule,
  indexModule,
  autoindexModule,
  headersModule,
  proxyModule,
  tableOnly('upstream', upstreamDirectives),
  healthModule,
  tableOnly('map', mapDirectives),
];

/** Every module's loc_conf fields: the one shape of a server or location level. */
export type AllLocFields = typeof httpCoreFields & typeof logFields & typeof rewriteFields & typeof indexFields
  & typeof autoindexFields & typeof headersFields & typeof proxyFields & typeof healthFields;

export const allDirectives: readonly DirectiveSpec[] = configModules.flatMap((m) => m.directives);

/** Rows by name. One name may have rows for different contexts (`server` in http and in upstream). */
export const directiveTable: ReadonlyMap<string, readonly DirectiveSpec[]> = (() => {
  const map = new Map<string, DirectiveSpec[]>();
  for (const spec of allDirectives) {
    const rows = map.get(spec.name) ?? [];
    rows.push(spec);
    map.set(spec.name, rows);
  }
  return map;
})();
