// The checks nginx makes once the whole configuration is read, that need the HTTP runtime's
// knowledge: every variable named in a template exists (nginx: `[emerg] unknown "foo" variable`,
// without a file and line, as nginx prints it). Run by the CLI at load, so that `-t`, start and
// reload refuse such a configuration before any worker sees it.
import { ConfigError } from '../config/errors.js';
import { LoadFailure, type LoadResult } from '../config/load.js';
import { levelCompiler } from './runtime.js';
import { HTTP_MODULES } from './module-list.js';
import { TemplateSyntaxError, UnknownVariableError } from './variables.js';
import { VirtualServer } from './virtual-server.js';

export function checkHttpConfig(result: LoadResult): LoadResult {
  const { config } = result;
  if (!config.http) return result;
  try {
    // Map templates compile with the level compiler: an unknown variable there is refused too.
    const compiler = levelCompiler(config, HTTP_MODULES, undefined);
    for (const s of config.http.servers) new VirtualServer(s, compiler);
  } catch (e) {
    if (e instanceof UnknownVariableError || e instanceof TemplateSyntaxError) {
      throw new LoadFailure(new ConfigError(e.message), result.sources);
    }
    throw e;
  }
  return result;
}
