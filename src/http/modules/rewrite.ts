// ngx_http_rewrite_module's `return`, at SERVER_REWRITE (server level) and REWRITE (location
// level), compiled once per level. (rewrite, if, set and break are not implemented yet.)
import { absoluteLocation, headerSafe } from '../location-header.js';
import { DONE, defineHttpModule, Phase, type PhaseResult } from '../module.js';
import type { HttpCore } from '../phases.js';
import type { HttpRequest } from '../request.js';
import { isRedirect } from '../special-response.js';
import { compileTemplate, type Template } from '../variables.js';

interface CompiledReturn {
  code: number;
  text: Template | undefined;
}

export const rewriteModule = defineHttpModule<CompiledReturn>({
  name: 'rewrite',
  compileLevel({ conf, templates }) {
    const ret = conf.return;
    if (ret === undefined) return undefined;
    return { code: ret.code, text: ret.text !== undefined ? compileTemplate(ret.text, templates) : undefined };
  },
  phases: {
    [Phase.SERVER_REWRITE]: doReturn,
    [Phase.REWRITE]: doReturn,
  },
});

function doReturn(r: HttpRequest, ret: CompiledReturn, core: HttpCore): PhaseResult {
  const { code, text } = ret;
  if (code === 444) return 444;
  if (isRedirect(code) || code === 305 || code === 306) {
    if (text) r.res.setHeader('Location', absoluteLocation(r, headerSafe(text.evaluate(r))));
    return code;
  }
  if (text === undefined) {
    if (code >= 300 || code === 204) return code;
    core.sendText(r, code, '');
    return DONE;
  }
  core.sendText(r, code, text.evaluate(r));
  return DONE;
}
