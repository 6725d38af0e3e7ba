// ngx_http_try_files_module, at PRECONTENT: the first candidate that exists (a file, or a
// directory when written with "/") becomes $uri in this location and the content phase runs;
// else the last argument decides (=code, @named location, or an internal redirect).
import fs from 'node:fs';
import type { CompiledTryFiles } from '../loc-runtime.js';
import { DONE, defineHttpModule, Phase, type PhaseResult } from '../module.js';
import { mapUriToPath } from '../path-map.js';
import type { HttpCore } from '../phases.js';
import type { HttpRequest } from '../request.js';

export const tryFilesModule = defineHttpModule<true>({
  name: 'try_files',
  compileLevel: ({ conf }) => (conf.tryFiles !== undefined ? true : undefined),
  phases: {
    [Phase.PRECONTENT](r, _state, core): PhaseResult {
      tryCandidate(r, r.level!.tryFiles!, 0, core);
      return DONE;
    },
  },
});

function tryCandidate(r: HttpRequest, tf: CompiledTryFiles, index: number, core: HttpCore): void {
  if (index < tf.candidates.length) {
    const candidate = tf.candidates[index];
    const uri = candidate.path.evaluate(r);
    const file = uri.startsWith('/') ? mapUriToPath(r, uri) : undefined;
    if (file === undefined) return tryCandidate(r, tf, index + 1, core);
    fs.stat(file, (err, st) => {
      if (r.done) return;
      try {
        if (err || st.isDirectory() !== candidate.directory) return tryCandidate(r, tf, index + 1, core);
        // nginx keeps the URI as written: "$uri/" found for "/dir" leaves "/dir", so the
        // static module answers the 301 to "/dir/".
        r.uri = uri;
        core.continuePhases(r);
      } catch (e) {
        core.internalError(r.res, e);
      }
    });
    return;
  }
  const fb = tf.fallback;
  if (fb.kind === 'code') return core.finalize(r, fb.code);
  if (fb.kind === 'named') return core.namedRedirect(r, fb.name);
  const uri = fb.uri.evaluate(r);
  const q = uri.indexOf('?');
  if (q < 0) core.internalRedirect(r, uri, '');
  else core.internalRedirect(r, uri.slice(0, q), uri.slice(q + 1));
}
