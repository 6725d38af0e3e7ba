// Every directive ngts knows, from each module's table, looked up by name.
import type { DirectiveSpec } from '../spec.js';
import { TAKE } from '../spec.js';
import { coreDirectives } from './core.js';
import { httpDirectives } from './http.js';
import { logDirectives } from './log.js';
import { contentDirectives } from './content.js';
import { headersDirectives } from './headers.js';
import { proxyDirectives } from './proxy.js';
import { upstreamDirectives } from './upstream.js';
import { healthDirectives } from './health.js';
import { mapDirectives } from './map.js';

// `include` is expanded by the parser before directives are read (src/config/parse.ts); its row
// is here so that it is a known name with its contexts documented.
const includeDirective: DirectiveSpec = {
  name: 'include',
  contexts: ['main', 'events', 'http', 'server', 'location', 'upstream', 'types', 'map'],
  args: TAKE(1),
  handle() { /* expanded in parse.ts */ },
};

export const allDirectives: readonly DirectiveSpec[] = [
  includeDirective, ...coreDirectives, ...httpDirectives, ...logDirectives, ...contentDirectives, ...headersDirectives,
  ...proxyDirectives, ...upstreamDirectives, ...healthDirectives, ...mapDirectives,
];

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
