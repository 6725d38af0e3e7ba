// The content phase's handlers for files and directories, in nginx's order: the index module
// (a URI ending in "/": the first index file → internal redirect), the autoindex module (the
// listing, where `autoindex on`), the static module (a file). A location with its own content
// handler (proxy_pass, stub_status) never reaches them.
import type http from 'node:http';
import type { LogLevel } from '../../config/types.js';
import { serveAutoindex, serveIndex, type DirectoryContext, type DirectoryOutcome } from '../../content/directory.js';
import { serveFile, type StaticOutcome } from '../../content/static.js';
import { directoryLocation } from '../location-header.js';
import { DECLINED, DONE, defineHttpModule, Phase } from '../module.js';
import { mapUriToPath } from '../path-map.js';
import type { HttpCore } from '../phases.js';
import type { HttpRequest } from '../request.js';

const CONFIGURED = true;

function endsWithSlash(uri: string): boolean {
  return uri.charCodeAt(uri.length - 1) === 0x2f /* / */;
}

/** ngx_http_index_module: GET, HEAD and POST to a directory URI. */
export const indexModule = defineHttpModule<true>({
  name: 'index',
  compileLevel: () => CONFIGURED,
  phases: {
    [Phase.CONTENT](r, _state, core) {
      if (!endsWithSlash(r.uri)) return DECLINED;
      const m = r.method;
      if (m !== 'GET' && m !== 'HEAD' && m !== 'POST') return DECLINED;
      const file = mapUriToPath(r, r.uri);
      if (file === undefined) return 404;
      r.filePath = file;
      const outcome = serveIndex(new ContentContext(core, r, file, r.uri));
      if (outcome === null) return DECLINED;
      core.afterDirectory(r, outcome);
      return DONE;
    },
  },
});

/** ngx_http_autoindex_module: GET and HEAD to a directory URI, where `autoindex on`. */
export const autoindexModule = defineHttpModule<true>({
  name: 'autoindex',
  compileLevel: ({ conf }) => (conf.autoindex ? CONFIGURED : undefined),
  phases: {
    [Phase.CONTENT](r, _state, core) {
      if (!endsWithSlash(r.uri) || (r.method !== 'GET' && r.method !== 'HEAD')) return DECLINED;
      const file = mapUriToPath(r, r.uri);
      if (file === undefined) return 404;
      r.filePath = file;
      const ctx = new ContentContext(core, r, file, r.uri);
      serveAutoindex(ctx, ctx.onDirectory);
      return DONE;
    },
  },
});

/** ngx_http_static_module: refuses other methods first, then declines directory URIs. */
export const staticModule = defineHttpModule<true>({
  name: 'static',
  compileLevel: () => CONFIGURED,
  phases: {
    [Phase.CONTENT](r, _state, core) {
      const m = r.method;
      if (m !== 'GET' && m !== 'HEAD' && m !== 'POST') return 405;
      const uri = r.uri;
      if (endsWithSlash(uri)) return DECLINED;
      const file = mapUriToPath(r, uri);
      if (file === undefined) return 404;
      r.filePath = file;
      const ctx = new ContentContext(core, r, file, uri);
      serveFile(ctx, ctx.onFile);
      return DONE;
    },
  },
});

/** The static module's outcome for r. */
function afterFile(core: HttpCore, r: HttpRequest, outcome: StaticOutcome): void {
  if (r.done) return;
  switch (outcome) {
    case 'served':
      return;
    // The static module wrote the error-log line (logError in the context).
    case 'not_found':
      return core.finalize(r, 404);
    case 'forbidden':
      return core.finalize(r, 403);
    case 'method_not_allowed':
      return core.finalize(r, 405);
    case 'directory':
      r.res.setHeader('Location', directoryLocation(r));
      return core.finalize(r, 301);
    default:
      return core.finalize(r, 500);
  }
}

/**
 * What the static, index and autoindex code gets for one request, and the callbacks for its
 * outcome. One object per request, methods on the prototype: no closures on the hot path.
 */
class ContentContext implements DirectoryContext {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly loc: DirectoryContext['loc'];
  /** r->method: an error_page redirect turns a POST into a GET. */
  readonly method: string;
  /** serveFile's callback (an arrow function: it is called unbound). */
  readonly onFile = (outcome: StaticOutcome): void => {
    try {
      afterFile(this.core, this.r, outcome);
    } catch (e) {
      this.core.internalError(this.r.res, e);
    }
  };

  constructor(private readonly core: HttpCore, private readonly r: HttpRequest, readonly filePath: string, readonly uri: string) {
    this.req = r.req;
    this.res = r.res;
    this.loc = r.level!.conf;
    this.method = r.method;
  }

  /** serveAutoindex's callback. */
  get onDirectory(): (outcome: DirectoryOutcome) => void {
    return (outcome) => {
      try {
        this.core.afterDirectory(this.r, outcome);
      } catch (e) {
        this.core.internalError(this.r.res, e);
      }
    };
  }

  /** 412 and 416 go through error_page like any status. */
  sendSpecialResponse(status: number): void {
    this.core.finalize(this.r, status);
  }

  logError(level: LogLevel, message: string): void {
    // log_not_found off silences ENOENT only, as in nginx.
    if (!this.r.level!.conf.logNotFound && message.includes('(2: No such file or directory)')) return;
    this.core.logError(this.r, level, message);
  }
}
