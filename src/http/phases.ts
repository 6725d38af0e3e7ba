// The request phases of nginx's http core, for one configuration generation:
//   checks of the request line and headers → server selection → server rewrite (`return`)
//   → find location (and client_max_body_size) → location rewrite (`return`) → try_files
//   → content (a registered handler such as the proxy, else index/autoindex/static)
//   → finalize (error_page, nginx's built-in pages, 444) → access log.
// Internal redirects (index, try_files, error_page) re-enter at server rewrite; a named
// location enters at location rewrite. Each request may change its URI 10 times (nginx's
// NGX_HTTP_MAX_URI_CHANGES) before it fails with 500.
import fs from 'node:fs';
import type http from 'node:http';
import type { Socket } from 'node:net';
import { serveDirectory, type DirectoryContext, type DirectoryOutcome } from '../content/directory.js';
import { serveFile, type StaticOutcome } from '../content/static.js';
import type { ErrorLog } from '../log/error-log.js';
import type { LogLevel } from '../config/types.js';
import { httpDateNow } from '../log/clock.js';
import { readRequestHead } from './request-head.js';
import type { LocRuntime } from './loc-runtime.js';
import { contentTypeFor } from './content-type.js';
import { NgtsResponse } from './response.js';
import { HttpRequest, type ConnectionState } from './request.js';
import type { ServerNameTable } from './server-names.js';
import { isRedirect, REQUEST_HEADER_TOO_LARGE, specialPage } from './special-response.js';
import { resolveInternalUri } from './uri.js';
import { mapUriToPath } from './path-map.js';
import { logRequest } from './request-log.js';
import { absoluteLocation, directoryLocation, headerSafe } from './location-header.js';

/**
 * A content handler of another module (the proxy): returns true when it takes the request (it
 * then answers through r.res and may call core.finalize for errors).
 */
export type ContentHandler = (r: HttpRequest, core: HttpCore) => boolean;
const contentHandlers: ContentHandler[] = [];

export function registerContentHandler(handler: ContentHandler): void {
  contentHandlers.push(handler);
}

export interface CoreOptions {
  errorLog: ErrorLog;
  isDraining(): boolean;
}

export class HttpCore {
  /** The response 'close' listener of this core (one function, shared by every response). */
  private readonly onResponseClose: (this: NgtsResponse) => void;

  constructor(private readonly options: CoreOptions) {
    this.onResponseClose = responseCloseListener(options);
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
    this.serverRewrite(r);
  }

  /** Runs the phases unless the connection was already answered and closed. */
  resume(r: HttpRequest): void {
    if (r.done || r.socket.destroyed || !r.socket.writable) return;
    this.serverRewrite(r);
  }

  /** A request refused while reading it: nginx answers and closes the connection. */
  private reject(r: HttpRequest, status: number, level: 'info' | 'error', message: string): void {
    this.logError(r, level, message);
    r.res.shouldKeepAlive = false;
    this.sendSpecial(r, status);
  }

  // Rewrite phase at server level (nginx's server_rewrite): a server-level `return`.
  private serverRewrite(r: HttpRequest): void {
    const level = r.vhost!.level;
    if (level.returnAction) {
      r.level = level;
      return this.doReturn(r, level);
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
    this.locationRewrite(r);
  }

  // Rewrite phase of the location (`return`), then try_files, then content.
  private locationRewrite(r: HttpRequest): void {
    const level = r.level!;
    if (level.returnAction && r.location) return this.doReturn(r, level);
    if (level.tryFiles) return this.tryFiles(r, level, 0);
    this.content(r);
  }

  /** ngx_http_rewrite_module's return. */
  private doReturn(r: HttpRequest, level: LocRuntime): void {
    const { code, text } = level.returnAction!;
    if (code === 444) return this.finalize(r, 444);
    if (isRedirect(code) || code === 305 || code === 306) {
      if (text) r.res.setHeader('Location', absoluteLocation(r, headerSafe(text.evaluate(r))));
      return this.finalize(r, code);
    }
    if (text === undefined) {
      if (code >= 300 || code === 204) return this.finalize(r, code);
      return this.sendText(r, code, '');
    }
    this.sendText(r, code, text.evaluate(r));
  }

  private sendText(r: HttpRequest, status: number, body: string): void {
    const res = r.res;
    res.statusCode = status;
    res.setHeader('Content-Type', contentTypeFor(r.uri, r.level!.conf));
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(r.method === 'HEAD' ? undefined : body);
  }

  // ngx_http_try_files_handler: the first candidate that exists (a file, or a directory when
  // written with "/") becomes $uri in this location; else the last argument decides.
  private tryFiles(r: HttpRequest, level: LocRuntime, index: number): void {
    const tf = level.tryFiles!;
    if (index < tf.candidates.length) {
      const candidate = tf.candidates[index];
      const uri = candidate.path.evaluate(r);
      const file = uri.startsWith('/') ? mapUriToPath(r, uri) : undefined;
      if (file === undefined) return this.tryFiles(r, level, index + 1);
      fs.stat(file, (err, st) => {
        if (r.done) return;
        try {
          if (err || st.isDirectory() !== candidate.directory) return this.tryFiles(r, level, index + 1);
          // nginx keeps the URI as written: "$uri/" found for "/dir" leaves "/dir", so the
          // static module answers the 301 to "/dir/".
          r.uri = uri;
          this.content(r);
        } catch (e) {
          this.internalError(r.res, e);
        }
      });
      return;
    }
    const fb = tf.fallback;
    if (fb.kind === 'code') return this.finalize(r, fb.code);
    if (fb.kind === 'named') return this.namedRedirect(r, fb.name);
    const [path, args] = splitArgs(fb.uri.evaluate(r));
    this.internalRedirect(r, path, args);
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
    this.serverRewrite(r);
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
    this.locationRewrite(r);
  }

  private content(r: HttpRequest): void {
    for (let i = 0; i < contentHandlers.length; i++) if (contentHandlers[i](r, this)) return;
    const file = mapUriToPath(r, r.uri);
    if (file === undefined) return this.finalize(r, 404);
    r.filePath = file;
    const uri = r.uri;
    if (uri.charCodeAt(uri.length - 1) === 0x2f /* / */) {
      // The index and autoindex modules decline other methods; the static module answers 405.
      if (r.method !== 'GET' && r.method !== 'HEAD' && r.method !== 'POST') return this.finalize(r, 405);
      const ctx = new ContentContext(this, r, file, uri);
      serveDirectory(ctx, ctx.onDirectory);
      return;
    }
    const ctx = new ContentContext(this, r, file, uri);
    serveFile(ctx, ctx.onFile);
  }

  /** @internal The static module's answer for r (ContentContext.onFile). */
  afterFile(r: HttpRequest, outcome: StaticOutcome): void {
    if (r.done) return;
    switch (outcome) {
      case 'served':
        return;
      // The static module wrote the error-log line (logError in the context).
      case 'not_found':
        return this.finalize(r, 404);
      case 'forbidden':
        return this.finalize(r, 403);
      case 'method_not_allowed':
        return this.finalize(r, 405);
      case 'directory':
        r.res.setHeader('Location', directoryLocation(r));
        return this.finalize(r, 301);
      default:
        return this.unexpectedOutcome(r, outcome);
    }
  }

  /** @internal The index/autoindex answer for r (ContentContext.onDirectory). */
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
    let line = `*${r.conn.id} ${message}, client: ${r.conn.remoteAddress}, server: ${r.serverName}, request: "${r.requestLine}"`;
    if (upstream !== undefined) line += `, upstream: "${upstream}"`;
    const host = r.req.headers.host;
    if (host !== undefined) line += `, host: "${host}"`;
    const referrer = r.req.headers.referer;
    if (referrer !== undefined) line += `, referrer: "${referrer}"`;
    log.log(level, line);
  }
}

/**
 * What the static, index and autoindex modules get for one request: the static module's
 * context with its optional members (`method`: r->method after an error_page;
 * `sendSpecialResponse`: 412/416 through error_page; `logError`), and the callbacks for their
 * outcome. One object per request, methods on the prototype: no closures on the hot path.
 */
class ContentContext implements DirectoryContext {
  readonly req: http.IncomingMessage;
  readonly res: http.ServerResponse;
  readonly loc: DirectoryContext['loc'];
  readonly method: string;
  /** serveFile's callback (an arrow function: it is called unbound). */
  readonly onFile = (outcome: StaticOutcome): void => {
    try {
      this.core.afterFile(this.r, outcome);
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

  /** serveDirectory's callback. */
  get onDirectory(): (outcome: DirectoryOutcome) => void {
    return (outcome) => {
      try {
        this.core.afterDirectory(this.r, outcome);
      } catch (e) {
        this.core.internalError(this.r.res, e);
      }
    };
  }

  /**
   * Nothing to do here: NgtsResponse.writeHead applies add_header and expires when the status
   * line is written (it then also sees the headers given to writeHead, such as Last-Modified for
   * `expires modified`).
   */
  beforeHeaders(): void {}

  sendSpecialResponse(status: number): void {
    this.core.finalize(this.r, status);
  }

  logError(level: LogLevel, message: string): void {
    // log_not_found off silences ENOENT only, as in nginx.
    if (!this.r.level!.conf.logNotFound && message.includes('(2: No such file or directory)')) return;
    this.core.logError(this.r, level, message);
  }
}

/** The log phase, and the location's keepalive_timeout for the connection's idle wait. */
function responseCloseListener(options: CoreOptions): (this: NgtsResponse) => void {
  return function onResponseClose(this: NgtsResponse): void {
    const r = this.ngts;
    if (!r || r.done) return;
    r.done = true;
    if (r.status === 0) r.status = this.headersSent ? this.statusCode : 499;
    logRequest(r);
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

