// The worker's HTTP modules, in order (nginx's ngx_modules.c). The order is data, here only:
// within a phase, handlers run in this order (CONTENT: index, autoindex, static, as nginx);
// the header filters run in this order when a status line is written (nginx's filter chain:
// not_modified and range sit inside the static module for files; headers — add_header and
// expires — then the room for charset, gzip, sub_filter); the first module with a location
// content handler configured at a level owns that level's content.
import type { AnyHttpModule } from './module.js';
import { rewriteModule } from './modules/rewrite.js';
import { tryFilesModule } from './modules/try-files.js';
import { proxyHttpModule } from '../proxy/http-module.js';
import { stubStatusModule, checkStatusModule } from '../status/content.js';
import { indexModule, autoindexModule, staticModule } from './modules/content.js';
import { headersModule } from './modules/headers.js';
import { registerVariable } from './variables.js';

export const HTTP_MODULES: readonly AnyHttpModule[] = [
  // SERVER_REWRITE, REWRITE
  rewriteModule,
  // PRECONTENT
  tryFilesModule,
  // location content handlers
  proxyHttpModule,
  checkStatusModule,
  stubStatusModule,
  // CONTENT phase
  indexModule,
  autoindexModule,
  staticModule,
  // header filters
  headersModule,
];

// Variables are global names (a template may use them anywhere): registered once, for every
// module that provides some.
for (const m of HTTP_MODULES) {
  const vars = m.spec.variables;
  if (vars !== undefined) for (const name of Object.keys(vars)) registerVariable(name, vars[name]);
}
