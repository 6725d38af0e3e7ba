// nginx's phase engine for one configuration generation (ngx_http_core_run_phases):
//   checks of the request line and headers → server selection → POST_READ, SERVER_REWRITE
//   (the server level's steps) → FIND_CONFIG (location search, client_max_body_size) →
//   REWRITE, PREACCESS, ACCESS (+ POST_ACCESS: `satisfy`), PRECONTENT, CONTENT (the location's
//   steps: each level holds only the handlers of the modules configured there, loc-runtime.ts)
//   → finalize (error_page, nginx's built-in pages, 444) → LOG (the access log, on 'close').
// Internal redirects (index, try_files, error_page) re-enter at SERVER_REWRITE; a named
// location enters at REWRITE. Each request may change its URI 10 times (nginx's
// NGX_HTTP_MAX_URI_CHANGES) before it fails with 500.
import type http from 'node:http';
import type { Socket } from 'node:net';
import type { DirectoryOutcome } from '../content/directory.js';
import type { ErrorLog } from '../log/error-log.js';
import type { LogLevel } from '../config/types.js';
import { requestContext } from '../log/request-context.js';
import { readRequestHead } from './request-head.js';
import { DECLINED, DONE, OK, Phase } from './module.js';
import { contentTypeFor } from '../content/mime.js';
import { NgtsResponse } from './response.js';
import { HttpRequest, type ConnectionState } from './request.js';
import type { ServerNameTable } from './server-names.js';
import { isRedirect, REQUEST_HEADER_TOO_LARGE, specialPage } from './special-response.js';
import { resolveInternalUri } from './uri.js';
import { mapUriToPath } from './path-map.js';
import { logRequest } from './access-log.js';
import { headerSafe } from './location-header.js';

export interface CoreOptions {
  errorLog: ErrorLog;
  isDraining(): boolean;
}

export class HttpCore {
  /** The response 'close' listener of this core (one function, shared by every response). */
  private readonly onResponseClose: (this: NgtsResponse) => void;

  constructor(private readonly options: CoreOptions) {
    this.onResponseClose = responseCloseListener(this, options);
  }

  /** The worker's error log (other modules' content handlers write to it too). */
  get errorLog(): ErrorLog {
    return this.options.errorLog;
  }

  /**
   * node's 'upgrade' event: no response object and no parser left on the socket. The request
   * goes through the same phases with a response made here; unless a content handler takes the
   * upgrade, it is answered like any request and the connection closed after it (nginx, too,
   * serves an Upgrade request it does not proxy as a plain one).
   */
  runUpgrade(req: http.IncomingMessage, socket: Socket, head: Buffer, conn: ConnectionState, table: ServerNameTable): void {
    const res = new NgtsResponse(req);
    res.assignSocket(socket);
    res.shouldKeepAlive = false;
    // assignSocket makes the socket's 'close' the response's 'close' (access log, as usual).
    res.once('finish', () => socket.end());
    try {
      this.handle(req, res, conn, table, head);
    } catch (e) {
      this.internalError(res, e);
    }
  }

  /** The 'request' listener: a bug in a phase answers 500 and is logged, never a worker crash. */
  run(req: http.IncomingMessage, res: NgtsResponse, conn: ConnectionState, table: ServerNameTable): void {
    try {
      this.handle(req, res, conn, table);
    } catch (e) {
      this.internalError(res, e);
    }
  }

  internalError(res: http.ServerResponse, e: unknown): void {
    this.options.errorLog.log('alert', `ngts internal error: ${(e as Error)?.stack ?? String(e)}`);
    const r = (res as NgtsResponse).ngts;
    if (r && !r.done && !res.headersSent) {
      r.errorPage = true;
      this.sendSpecial(r, 500);
    } else {
      r?.conn.keepAddresses();
      res.socket?.destroy();
    }
  }

  private handle(req: http.IncomingMessage, res: NgtsResponse, conn: ConnectionState, table: ServerNameTable, upgradeHead?: Buffer): void {
    const socket = req.socket as Socket;
    conn.requests++;
    const r = new HttpRequest(req, res, socket, conn);
    r.upgradeHead = upgradeHead;
    res.ngts = r;
    res.startHeaders(table.defaultServer.level.serverHeader);
    // 'close' comes once per response: `on` spares once()'s wrapper (onResponseClose checks r.done).
    res.on('close', this.onResponseClose);
    if (this.options.isDraining()) res.shouldKeepAlive = false;
    r.vhost = table.defaultServer;
    r.level = table.defaultServer.level;

    const refusal = readRequestHead(r, table.defaultServer.level.conf.largeClientHeaderBuffers.size);
    if (refusal !== undefined) return this.reject(r, refusal.status, 'info', refusal.message);
    const match = table.select(r.host);
    r.vhost = match.server;
    r.level = match.server.level;
    r.captures = match.captures;
    // nginx discards (or reads) a body before answering, so a malformed body that has already
    // arrived makes the answer a 400. node parses the bytes it has right after this handler
    // returns: one turn of the event loop lets a parse error surface (client-error.ts) first.
    if (req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0') {
      // Until the response starts (send_timeout), reading the body may idle this long.
      socket.setTimeout(r.level.conf.clientBodyTimeout);
      setImmediate(startAfterBodyCheck, this, r);
      return;
    }
    this.serverPhases(r, Phase.POST_READ);
  }

  /** Runs the phases unless the connection was already answered and closed. */
  resume(r: HttpRequest): void {
    if (r.done || r.socket.destroyed || !r.socket.writable) return;
    this.serverPhases(r, Phase.POST_READ);
  }

  /** A request refused while reading it: nginx answers and closes the connection. */
  private reject(r: HttpRequest, status: number, level: 'info' | 'error', message: string): void {
    this.logError(r, level, message);
    r.res.shouldKeepAlive = false;
    this.sendSpecial(r, status);
  }

  /** POST_READ (a new request) or SERVER_REWRITE (an internal redirect) to FIND_CONFIG. */
  private serverPhases(r: HttpRequest, from: Phase): void {
    const level = r.vhost!.level;
    r.level = level;
    const steps = level.steps;
    const end = level.phaseStart[Phase.FIND_CONFIG];
    for (let i = level.phaseStart[from]; i < end; i++) {
      const step = steps[i];
      const rc = step.handler(r, step.state, this);
      if (rc === DECLINED || rc === OK) continue;
      if (rc !== DONE) this.finalize(r, rc);
      return;
    }
    this.findLocation(r);
  }

  private findLocation(r: HttpRequest): void {
    const vhost = r.vhost!;
    const found = vhost.locations?.find(r.uri);
    if (found) {
      r.location = found.node;
      r.level = found.node.level;
      if (found.captures) r.captures = found.captures;
    } else {
      r.location = undefined;
      r.level = vhost.level;
    }
    const max = r.level.conf.clientMaxBodySize;
    const length = Number(r.req.headers['content-length'] ?? 0);
    if (max > 0 && length > max) {
      this.logError(r, 'error', `client intended to send too large body: ${length} bytes`);
      r.res.shouldKeepAlive = false;
      return this.finalize(r, 413);
    }
    this.locationPhases(r, r.level.phaseStart[Phase.REWRITE]);
  }

  /**
   * The location's steps from `from` (REWRITE to CONTENT). A handler that returned DONE and
   * goes on asynchronously calls continuePhases when it is through.
   */
  private locationPhases(r: HttpRequest, from: number): void {
    const level = r.level!;
    const steps = level.steps;
    const content = level.phaseStart[Phase.CONTENT];
    for (let i = from; i < content; i++) {
      const step = steps[i];
      // POST_ACCESS: under `satisfy any`, a refusal stands unless some access module granted.
      if (r.accessCode !== 0 && step.phase > Phase.ACCESS) return this.refuseAccess(r);
      r.phaseStep = i;
      const rc = step.handler(r, step.state, this);
      if (rc === DECLINED) continue;
      if (rc === DONE) return;
      if (step.phase === Phase.ACCESS) {
        // nginx's access checker: under `satisfy all` every module must grant; under `any`,
        // one grant ends the phase and a refusal is kept (401 over 403) for POST_ACCESS.
        if (rc === OK) {
          if (level.satisfyAny) {
            r.accessCode = 0;
            i = step.nextPhase - 1;
          }
          continue;
        }
        if (!level.satisfyAny) return this.finalize(r, rc);
        if (r.accessCode !== 401) r.accessCode = rc;
        continue;
      }
      if (rc === OK) {
        i = step.nextPhase - 1;
        continue;
      }
      return this.finalize(r, rc);
    }
    if (r.accessCode !== 0) return this.refuseAccess(r);
    this.content(r);
  }

  private refuseAccess(r: HttpRequest): void {
    const code = r.accessCode;
    r.accessCode = 0;
    this.finalize(r, code);
  }

  /** An asynchronous phase handler is through: the steps after it run. */
  continuePhases(r: HttpRequest): void {
    if (r.done) return;
    this.locationPhases(r, r.phaseStep + 1);
  }

  /**
   * CONTENT: the location's own handler (proxy_pass, stub_status) if it has one, else the
   * content phase's handlers in module order (index, autoindex, static); if none takes the
   * request, nginx's ngx_http_core_content_phase answers 403 for a directory URI, else 404.
   */
  private content(r: HttpRequest): void {
    const level = r.level!;
    const own = level.contentHandler;
    if (own !== undefined) {
      const rc = own.handler(r, own.state, this);
      if (rc !== DONE && rc !== OK) this.finalize(r, rc === DECLINED ? 404 : rc);
      return;
    }
    const steps = level.steps;
    for (let i = level.phaseStart[Phase.CONTENT]; i < steps.length; i++) {
      const step = steps[i];
      if (step.phase !== Phase.CONTENT) break;
      const rc = step.handler(r, step.state, this);
      if (rc === DECLINED) continue;
      if (rc !== DONE && rc !== OK) this.finalize(r, rc);
      return;
    }
    const uri = r.uri;
    if (uri.charCodeAt(uri.length - 1) === 0x2f /* / */) {
      const dir = mapUriToPath(r, uri);
      if (dir !== undefined) this.logError(r, 'error', `directory index of "${dir.endsWith('/') ? dir : dir + '/'}" is forbidden`);
      return this.finalize(r, 403);
    }
    this.finalize(r, 404);
  }

  /** A body of its own for a status (return, the rewrite module). */
  sendText(r: HttpRequest, status: number, body: string): void {
    const res = r.res;
    res.statusCode = status;
    res.setHeader('Content-Type', contentTypeFor(r.level!.conf, r.uri));
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(r.method === 'HEAD' ? undefined : body);
  }

  /** ngx_http_internal_redirect: a new URI (and args), location search from the start. */
  internalRedirect(r: HttpRequest, uri: string, args: string): void {
    if (--r.uriChanges === 0) {
      this.logError(r, 'error', `rewrite or internal redirection cycle while internally redirecting to "${uri}"`);
      return this.finalize(r, 500);
    }
    const normalized = resolveInternalUri(uri);
    if (normalized === undefined) return this.finalize(r, 400);
    r.validUnparsedUri = false;
    r.uri = normalized;
    r.args = args;
    this.serverPhases(r, Phase.SERVER_REWRITE);
  }

  /** ngx_http_named_location. */
  namedRedirect(r: HttpRequest, name: string): void {
    const node = r.vhost!.named.get(name);
    if (!node) {
      this.logError(r, 'error', `could not find named location "${name}"`);
      return this.finalize(r, 500);
    }
    if (--r.uriChanges === 0) {
      this.logError(r, 'error', `rewrite or internal redirection cycle while redirect to named location "${name}"`);
      return this.finalize(r, 500);
    }
    r.location = node;
    r.level = node.level;
    this.locationPhases(r, node.level.phaseStart[Phase.REWRITE]);
  }

  /** The index or autoindex module's answer for r (src/http/modules/content.ts). */
  afterDirectory(r: HttpRequest, outcome: DirectoryOutcome): void {
    if (r.done) return;
    switch (outcome.kind) {
      case 'served':
        return;
      case 'redirect':
        return this.internalRedirect(r, outcome.uri, r.args);
      case 'forbidden':
        return this.finalize(r, 403);
      case 'not_found':
        return this.finalize(r, 404);
      default:
        return this.unexpectedOutcome(r, (outcome as { kind: string }).kind);
    }
  }

  /** Outcomes beyond the ones above: 'method_not_allowed' → 405, anything else ('internal_error') → 500. */
  private unexpectedOutcome(r: HttpRequest, outcome: string): void {
    this.finalize(r, outcome === 'method_not_allowed' ? 405 : 500);
  }

  /**
   * ngx_http_finalize_request with a status: 444 closes the connection; otherwise the level's
   * error_page for the status (once per request), else nginx's built-in page.
   */
  finalize(r: HttpRequest, status: number): void {
    if (r.done) return;
    if (status === 444) {
      r.status = 444;
      r.conn.keepAddresses();
      r.socket.destroy();
      return;
    }
    if (r.res.headersSent) {
      r.conn.keepAddresses();
      r.socket.destroy();
      return;
    }
    const level = r.level;
    if (status >= 300 && !r.errorPage && level && r.uriChanges > 0) {
      const page = level.errorPages.get(status);
      if (page) return this.sendErrorPage(r, status, page.overwrite, page.uri.evaluate(r));
    }
    this.sendSpecial(r, status);
  }

  // ngx_http_send_error_page.
  private sendErrorPage(r: HttpRequest, status: number, overwrite: number | 'response' | undefined, uri: string): void {
    r.errorPage = true;
    r.errStatus = overwrite === undefined ? status : overwrite === 'response' ? 0 : overwrite;
    if (uri.startsWith('@')) return this.namedRedirect(r, uri);
    if (r.errStatus !== 0 && r.errStatus !== 200) withoutConditionals(r.req);
    if (uri.startsWith('/')) {
      // The page is fetched with GET (HEAD stays HEAD), whatever the original method.
      if (r.method !== 'HEAD') {
        r.method = 'GET';
        r.req.method = 'GET';
      }
      const [path, args] = splitArgs(uri);
      return this.internalRedirect(r, path, args);
    }
    const code = typeof overwrite === 'number' && isRedirect(overwrite) ? overwrite : 302;
    r.errStatus = 0;
    r.res.setHeader('Location', headerSafe(uri));
    this.sendSpecial(r, code);
  }

  /** nginx's built-in response for a status (ngx_http_special_response_handler). */
  sendSpecial(r: HttpRequest, status: number): void {
    const res = r.res;
    if (r.done || res.headersSent) return;
    r.status = status;
    const wire = status === REQUEST_HEADER_TOO_LARGE ? 400 : status;
    res.statusCode = wire;
    const level = r.level ?? r.vhost?.level;
    const body = wire === 204 || wire === 304 ? undefined : specialPage(status, level?.conf.serverTokens ?? true);
    if (body) {
      res.setHeader('Content-Type', 'text/html');
      res.setHeader('Content-Length', body.length);
    } else if (wire !== 204 && wire !== 304) {
      res.setHeader('Content-Length', 0);
    }
    if (status === REQUEST_HEADER_TOO_LARGE) res.statusMessage = 'Bad Request';
    res.end(r.method === 'HEAD' ? undefined : body);
  }

  /**
   * An error-log line with nginx's request context; `upstream` (the proxy's URL) goes between
   * the request and the host, where nginx prints it.
   */
  logError(r: HttpRequest, level: LogLevel, message: string, upstream?: string): void {
    const log = this.options.errorLog;
    if (!log.enabled(level)) return;
    log.log(level, `*${r.conn.id} ${message}, ${requestContext(r.conn.remoteAddress, r.serverName, r.requestLine, r.req.headers, upstream)}`);
  }
}

/** The log phase, and the location's keepalive_timeout for the connection's idle wait. */
function responseCloseListener(core: HttpCore, options: CoreOptions): (this: NgtsResponse) => void {
  return function onResponseClose(this: NgtsResponse): void {
    const r = this.ngts;
    if (!r || r.done) return;
    r.done = true;
    if (r.status === 0) r.status = this.headersSent ? this.statusCode : 499;
    logRequest(r, core);
    const level = r.level;
    // node re-arms the socket with the listener's keepAliveTimeout; the location's value wins
    // (socket.timeout is what node last armed: usually keepalive_timeout already, see
    // runtime.ts) — except in a drain, whose short idle grace node has just armed.
    const socket = r.socket as Socket & { timeout?: number };
    if (level && !socket.destroyed && this.shouldKeepAlive && socket.timeout !== level.conf.keepaliveTimeout && !options.isDraining()) {
      socket.setTimeout(level.conf.keepaliveTimeout);
    }
  };
}

function startAfterBodyCheck(core: HttpCore, r: HttpRequest): void {
  try {
    core.resume(r);
  } catch (e) {
    core.internalError(r.res, e);
  }
}

/**
 * nginx's range and not_modified filters act on 200 responses only; an error page sent with its
 * error status ignores Range and conditionals, so they are taken away from the static module.
 */
function withoutConditionals(req: http.IncomingMessage): void {
  const h = req.headers;
  delete h.range;
  delete h['if-range'];
  delete h['if-none-match'];
  delete h['if-modified-since'];
  delete h['if-match'];
  delete h['if-unmodified-since'];
}

function splitArgs(uri: string): [string, string] {
  const q = uri.indexOf('?');
  return q < 0 ? [uri, ''] : [uri.slice(0, q), uri.slice(q + 1)];
}

