// The per-request object: one shape, every field set in the constructor (undici's habit), so the
// hot path neither grows objects nor looks things up by name. Phases fill it in as they run.
import type http from 'node:http';
import type { Socket } from 'node:net';
import type { LocRuntime } from './loc-runtime.js';
import type { LocationNode } from './location-tree.js';
import type { VirtualServer } from './virtual-server.js';

/** What a connection carries across its keep-alive requests ($connection, $connection_requests). */
export interface ConnectionState {
  /** nginx's connection number: "*12" in error-log lines, $connection. */
  readonly id: number;
  requests: number;
  /** Read on first use (connection.ts): a closed socket forgets them. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** Reads the addresses now: a log line is to be written after the socket may have closed. */
  keepAddresses(): void;
}

export class HttpRequest {
  readonly startMs: number;
  /** $request_method; an error_page redirect turns it into GET. */
  method: string;
  /** The method as received (an error_page redirect changes `method`, not the request line). */
  private readonly receivedMethod: string;
  /** The request line, once built (most requests never need it: no error, no $request). */
  private line: string | undefined;
  /** The normalized, decoded path ($uri); changes on internal redirects and try_files. */
  uri = '/';
  /** The raw query string without "?" ($args). */
  args = '';
  /** Host header, lowercased, port and trailing dot removed; '' when absent. */
  host = '';
  vhost: VirtualServer | undefined = undefined;
  location: LocationNode | undefined = undefined;
  /** The settings in force: the location's, or the server's when no location matched. */
  level: LocRuntime | undefined = undefined;
  /** The last regex match (server_name or location): $1…$9 and named captures. */
  captures: RegExpExecArray | null = null;
  /** The status sent (or about to be): $status. */
  status = 0;
  /** nginx's NGX_HTTP_MAX_URI_CHANGES budget for internal redirects. */
  uriChanges = 10;
  /**
   * nginx's valid_unparsed_uri: the request line's URI still stands for the request (an
   * internal redirect clears it; a named location keeps it). The proxy then passes it as is.
   */
  validUnparsedUri = true;
  /** Set once an error_page redirect happened: recursive_error_pages is off. */
  errorPage = false;
  /** The status that replaces the redirected request's own (error_page code … uri). */
  errStatus = 0;
  /** The file path the content phase maps the URI to ($request_filename). */
  filePath = '';
  /** Head and body bytes of an answer written raw on the socket (client-error.ts). */
  rawHeadBytes = 0;
  rawBodyBytes = 0;
  /** Bytes of request body read or discarded so far, for $request_length. */
  bodyBytes = 0;
  /** This request's number on its connection ($connection_requests). */
  readonly connectionRequests: number;
  /** Per-request state of modules, by module id (HttpModule.requestState): nginx's r->ctx. */
  ctx: unknown[] | undefined = undefined;
  /** The values of `map` variables evaluated so far, by map (map.ts). */
  mapValues: (string | symbol)[] | undefined = undefined;
  /** Where the request is in its level's phase steps (the engine resumes after it). */
  phaseStep = 0;
  /** The access phase's refusal kept for POST_ACCESS under `satisfy any` (nginx's r->access_code). */
  accessCode = 0;
  /**
   * For a request with "Upgrade" (node's 'upgrade' event): the bytes read after its head. A
   * content handler that takes the upgrade (the proxy's WebSocket path) owns r.socket from then on.
   */
  upgradeHead: Buffer | undefined = undefined;
  /** $request_id, made on first use. */
  requestId = '';
  /** True once the response is complete or the connection was closed for it. */
  done = false;

  constructor(
    readonly req: http.IncomingMessage,
    readonly res: http.ServerResponse,
    readonly socket: Socket,
    readonly conn: ConnectionState,
    /** The line as received, for requests node's parser refused (client-error.ts). */
    requestLine?: string,
  ) {
    this.startMs = Date.now();
    this.method = req.method ?? 'GET';
    this.receivedMethod = this.method;
    this.line = requestLine;
    this.connectionRequests = conn.requests;
  }

  /** The request line as received: "GET /a?b HTTP/1.1" ($request). */
  get requestLine(): string {
    return this.line ??= `${this.receivedMethod} ${this.req.url ?? ''} HTTP/${this.req.httpVersion}`;
  }

  /** requestLine.length, without building the line. */
  get requestLineLength(): number {
    if (this.line !== undefined) return this.line.length;
    return this.receivedMethod.length + (this.req.url ?? '').length + this.req.httpVersion.length + 7;
  }

  /** $document_root: the root (or alias) in force, with its variables evaluated. */
  documentRoot(): string {
    const m = this.level?.path;
    if (!m) return '';
    return m.kind === 'root' ? m.root.evaluate(this) : m.alias.evaluate(this);
  }

  /** The server name nginx reports ($server_name, "server: …" in error logs). */
  get serverName(): string {
    return this.vhost?.serverName ?? '';
  }
}
