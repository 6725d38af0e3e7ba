// The one module through which ngts uses Node's private APIs: fields with a leading underscore,
// symbols found by their description, process.binding, node's HTTP parser. Each is probed once,
// when this module loads; a probe that fails leaves either a fallback (said in `without`) or,
// for the few ngts cannot run without, a start-up error (missingRequiredInternals). The rest of
// ngts imports the typed accessors below and never touches those names itself, so a Node upgrade
// that removes one fails here, in test/node-internals.test.ts, and nowhere else.
//
// NGTS_NODE_INTERNALS_OFF=name,name… (or "all") makes probes fail on purpose: tests use it to run
// a real ngts on the fallbacks. Nothing else reads it.
import { EventEmitter } from 'node:events';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';

export type InternalName =
  | 'fsStatBinding' | 'createServerHandle' | 'storeHeader' | 'outHeaders' | 'keepAliveTimeout' | 'headerText'
  | 'httpMessage' | 'serverConnections' | 'agentAddRequest' | 'agentKeepAlive' | 'parserLeniency';

export interface Probe {
  readonly name: InternalName;
  /** The private API, as Node spells it. */
  readonly api: string;
  readonly found: boolean;
  /** ngts refuses to start without it. */
  readonly required: boolean;
  /** What ngts does when it is missing. */
  readonly without: string;
}

const probeList: Probe[] = [];
/** Every private API ngts uses, and whether this Node has it. */
export const probes: readonly Probe[] = probeList;

const forcedOff = new Set((process.env.NGTS_NODE_INTERNALS_OFF ?? '').split(',').map((s) => s.trim()).filter(Boolean));

function probe<T>(name: InternalName, api: string, required: boolean, without: string, find: () => T | undefined): T | undefined {
  let found: T | undefined;
  if (!forcedOff.has(name) && !forcedOff.has('all')) {
    try {
      found = find();
    } catch {
      found = undefined;
    }
  }
  probeList.push({ name, api, found: found !== undefined, required, without });
  return found;
}

/** The [emerg] text when a required private API is missing, else undefined. */
export function missingRequiredInternals(): string | undefined {
  const missing = probeList.filter((p) => p.required && !p.found).map((p) => p.api);
  if (missing.length === 0) return undefined;
  return `ngts needs ${missing.join(', ')} of Node.js, which ${process.version} does not have`;
}

function unavailable(api: string): never {
  throw new Error(`${api} is not available on Node.js ${process.version}`);
}

/** A response made without a connection, for probing ServerResponse's fields. */
function probeResponse(): http.ServerResponse {
  const req = { method: 'GET', httpVersionMajor: 1, httpVersionMinor: 1, headers: {} };
  const res = new http.ServerResponse(req as http.IncomingMessage);
  res.sendDate = false;
  return res;
}

// ---- fs binding: stat without fs.Stats (src/content/fast-stat.ts) ----

/** stat(2) into node's shared Float64Array; undefined when the path does not exist. */
export type RawStat = (path: string) => Float64Array | undefined;

/** Indexes in that array (node's getStatsFromBinding); times are sec/nsec pairs. */
export const STAT_FIELD = { mode: 1, ino: 7, size: 8, mtimeSec: 12, ctimeSec: 14 } as const;

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

type BindingStat = (path: string, bigint: false, req: undefined, throwIfNoEntry: false) => Float64Array | undefined;

export const rawStat: RawStat | undefined = probe('fsStatBinding', 'process.binding("fs").stat', false,
  'fs.statSync, which builds an fs.Stats with four Dates per call', () => {
    const binding = (process as unknown as { binding(name: string): { stat?: unknown } }).binding('fs');
    const stat = binding.stat as BindingStat | undefined;
    if (typeof stat !== 'function') return undefined;
    const root = stat.call(binding, '/', false, undefined, false);
    if (!(root instanceof Float64Array) || (root[STAT_FIELD.mode] & S_IFMT) !== S_IFDIR) return undefined;
    return (path: string) => stat.call(binding, path, false, undefined, false);
  });

// ---- net._createServerHandle: the master's listening sockets (src/master/listen-sockets.ts) ----

/** libuv's TCP handle, as net._createServerHandle returns it (what cluster's primary uses). */
export interface TcpHandle {
  close(): void;
  getsockname(out: { port?: number }): number;
  listen(backlog: number): number;
}

/** A bound TCP handle, or a negative errno. */
export type CreateServerHandle = (address: string, port: number, addressType: 4 | 6, fd?: number, flags?: number) => TcpHandle | number;

export const createServerHandle: CreateServerHandle = probe('createServerHandle', 'net._createServerHandle()', true,
  'nothing: the master cannot own the listening sockets', () => {
    const fn = (net as unknown as { _createServerHandle?: CreateServerHandle })._createServerHandle;
    return typeof fn === 'function' ? fn : undefined;
  }) ?? (() => unavailable('net._createServerHandle()'));

// ---- OutgoingMessage._storeHeader: the proxy's request head as one list (src/proxy) ----

/** Serializes the head: the first line, then the headers (an object or a flat [name, value, …] list). */
export type StoreHeader = (this: unknown, firstLine: string, headers: unknown) => void;

/**
 * node's own _storeHeader, when it takes a flat list as ngts hands it over; undefined: the proxy
 * sets its headers one by one (setHeader) and node writes "HTTP/1.1" in the request line even
 * for proxy_http_version 1.0.
 */
export const storeHeader: StoreHeader | undefined = probe('storeHeader', 'OutgoingMessage.prototype._storeHeader()', false,
  'headers set one by one; the request line says HTTP/1.1 even for proxy_http_version 1.0', () => {
    const fn = (http.ClientRequest.prototype as unknown as { _storeHeader?: StoreHeader })._storeHeader;
    if (typeof fn !== 'function') return undefined;
    const m = new http.OutgoingMessage();
    fn.call(m, 'GET / HTTP/1.1\r\n', ['Host', 'probe', 'X-A', '1']);
    const head = (m as unknown as { _header?: unknown })._header;
    return typeof head === 'string' && head.startsWith('GET / HTTP/1.1\r\nHost: probe\r\nX-A: 1\r\n') ? fn : undefined;
  });

/** Makes `msg` serialize its head with `store` (which calls storeHeader). */
export function replaceStoreHeader(msg: http.OutgoingMessage, store: StoreHeader): void {
  (msg as unknown as { _storeHeader: StoreHeader })._storeHeader = store;
}

// ---- OutgoingMessage[kOutHeaders]: has anything been set one by one? (src/http/response.ts) ----

const kOutHeaders = probe('outHeaders', 'OutgoingMessage[kOutHeaders]', false,
  'responses always go through node\'s header store (no flat-list fast path)', () => {
    const m = new http.OutgoingMessage();
    const k = Object.getOwnPropertySymbols(m).find((s) => s.description === 'kOutHeaders');
    if (k === undefined || (m as unknown as Record<symbol, unknown>)[k] !== null) return undefined;
    m.setHeader('X-Probe', '1');
    return (m as unknown as Record<symbol, unknown>)[k] !== null ? k : undefined;
  });

/**
 * True when no header was ever set on `msg` one by one (node's store is still null): then
 * writeHead(status, flatList) writes the list as it is. False when that cannot be known.
 */
export function headerStoreUnused(msg: http.OutgoingMessage): boolean {
  return kOutHeaders !== undefined && (msg as unknown as Record<symbol, unknown>)[kOutHeaders] === null;
}

// ---- ServerResponse._keepAliveTimeout and _header (src/http/response.ts, builtin-variables.ts) ----

const keepAliveTimeoutField = probe('keepAliveTimeout', 'ServerResponse.prototype._keepAliveTimeout', false,
  'node\'s own "Keep-Alive: timeout=N" header, from the server\'s keepAliveTimeout', () => {
    const res = probeResponse();
    if (typeof (res as unknown as { _keepAliveTimeout?: unknown })._keepAliveTimeout !== 'number') return undefined;
    res.shouldKeepAlive = true;
    (res as unknown as { _keepAliveTimeout: number })._keepAliveTimeout = 7000;
    res.writeHead(200);
    const head = (res as unknown as { _header?: unknown })._header;
    return typeof head === 'string' && head.includes('\r\nKeep-Alive: timeout=7\r\n') ? true : undefined;
  }) ?? false;

/** The "Keep-Alive: timeout=N" header node writes (ms; 0: none). */
export function setKeepAliveHeaderTimeout(res: http.ServerResponse, ms: number): void {
  if (keepAliveTimeoutField) (res as unknown as { _keepAliveTimeout: number })._keepAliveTimeout = ms;
}

const headerTextField = probe('headerText', 'OutgoingMessage.prototype._header', false,
  '$bytes_sent counts the body only', () => {
    const res = probeResponse();
    res.writeHead(204);
    const head = (res as unknown as { _header?: unknown })._header;
    return typeof head === 'string' && head.startsWith('HTTP/1.1 204 No Content\r\n') ? true : undefined;
  }) ?? false;

/** The serialized response head once written (its length is part of $bytes_sent). */
export function headerText(msg: http.OutgoingMessage): string | undefined {
  if (!headerTextField) return undefined;
  const head = (msg as unknown as { _header?: unknown })._header;
  return typeof head === 'string' ? head : undefined;
}

// ---- socket._httpMessage: the message a connection is busy with (client-error.ts, agent.ts) ----

const httpMessageField = probe('httpMessage', 'socket._httpMessage (and ClientRequest.res)', false,
  'no response in flight is seen on a connection; upstream Keep-Alive hints are ignored', () => {
    const res = probeResponse();
    const socket = Object.assign(new EventEmitter(), { writable: false });
    res.assignSocket(socket as unknown as net.Socket);
    const seen = (socket as unknown as { _httpMessage?: unknown })._httpMessage === res;
    res.detachSocket(socket as unknown as net.Socket);
    return seen && (socket as unknown as { _httpMessage?: unknown })._httpMessage === null ? true : undefined;
  }) ?? false;

/** The response a server connection is writing (null or undefined: none). */
export function responseOnSocket(socket: net.Socket): http.ServerResponse | null | undefined {
  return httpMessageField ? (socket as unknown as { _httpMessage?: http.ServerResponse | null })._httpMessage : undefined;
}

/** The response to the request a client (upstream) connection carries: its req.res. */
export function responseToRequestOnSocket(socket: net.Socket): http.IncomingMessage | undefined {
  if (!httpMessageField) return undefined;
  return (socket as unknown as { _httpMessage?: { res?: http.IncomingMessage } | null })._httpMessage?.res ?? undefined;
}

// ---- http.Server[kConnections]: which connections are between requests (src/worker/drain.ts) ----

interface ConnectionsList {
  idle(): { socket?: net.Socket }[];
}

const kConnections = probe('serverConnections', 'http.Server[kConnections]', false,
  'a draining worker counts every silent connection as idle', () => {
    const server = http.createServer();
    // node makes the list when the server starts listening; no socket is opened here.
    server.emit('listening');
    const k = Object.getOwnPropertySymbols(server).find((s) => s.description === 'http.server.connections');
    const list = k === undefined ? undefined : (server as unknown as Record<symbol, ConnectionsList | undefined>)[k];
    const ok = typeof list?.idle === 'function' && Array.isArray(list.idle());
    server.close();
    return ok ? k : undefined;
  });

/** Whether node's parser for `socket` sits between requests; undefined when that cannot be known. */
export function connectionIsIdle(server: http.Server, socket: net.Socket): boolean | undefined {
  if (kConnections === undefined) return undefined;
  const list = (server as unknown as Record<symbol, ConnectionsList | undefined>)[kConnections];
  if (list === undefined) return undefined;
  return list.idle().some((parser) => parser.socket === socket);
}

// ---- http.Agent: where the proxy meets its upstream requests (src/proxy/agent.ts, upstreams.ts) ----

export type AddRequest = (this: http.Agent, req: http.ClientRequest, options: unknown) => void;

/** node's Agent.prototype.addRequest (https.Agent inherits it), which ngts's agents extend. */
export const agentAddRequest: AddRequest = probe('agentAddRequest', 'http.Agent.prototype.addRequest()', true,
  'nothing: the proxy cannot see its upstream requests', () => {
    const fn = (http.Agent.prototype as unknown as { addRequest?: AddRequest }).addRequest;
    return typeof fn === 'function' ? fn : undefined;
  }) ?? (() => unavailable('http.Agent.prototype.addRequest()'));

/** node's default keepAliveMsecs. */
const DEFAULT_KEEP_ALIVE_MSECS = 1000;

const agentFields = probe('agentKeepAlive', 'http.Agent keepAlive / keepAliveMsecs fields', false,
  'TCP keep-alive probes every second; a retired upstream pool keeps reusing its connections', () => {
    const agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 1234 });
    const fields = agent as unknown as { keepAlive?: unknown; keepAliveMsecs?: unknown };
    const ok = fields.keepAlive === true && fields.keepAliveMsecs === 1234;
    agent.destroy();
    return ok ? true : undefined;
  }) ?? false;

/** The agent's keepAliveMsecs option, as node keeps it. */
export function agentKeepAliveMsecs(agent: http.Agent): number {
  return agentFields ? (agent as unknown as { keepAliveMsecs: number }).keepAliveMsecs : DEFAULT_KEEP_ALIVE_MSECS;
}

/** From now on sockets that finish a request are closed, not pooled. */
export function stopPooling(agent: http.Agent): void {
  if (agentFields) (agent as unknown as { keepAlive: boolean }).keepAlive = false;
}

// ---- node's HTTP parser (llhttp) and its lenient flags: bare LF from upstreams ----
//
// RFC 9112 §2.2 lets a recipient take a bare LF for a line end; nginx does, both ways. llhttp
// 9.3.1 (Node 20.20) does it for responses with one flag, kLenientOptionalCRBeforeLF: status
// line, header lines, end of the head. Not for requests: a bare LF after the request line also
// needs kLenientOptionalLFAfterCR (llhttp reads that LF as the CR of a CRLF), which takes a bare
// CR for a line end there, at the end of the head and after a chunk size (CVE-2023-30589's
// request smuggling), and still waits for more after "GET / HTTP/1.0\n\n". Requests stay strict
// (README, "Line ends"). node itself passes no flag or all of them (insecureHTTPParser): the flag
// is added where node initializes the parser of a request made through a marked agent.

interface ParserClass {
  new(): ParserInstance;
  RESPONSE: number;
  kOnHeadersComplete: number;
  kLenientOptionalCRBeforeLF: number;
  prototype: { initialize: Initialize };
}
type Initialize = (this: ParserInstance, type: number, resource: object, maxHeaderSize: number, lenient: number, connections?: unknown) => void;
interface ParserInstance {
  initialize: Initialize;
  execute(data: Buffer): number | Error;
  close(): void;
  [callback: number]: unknown;
}

/** The flags ngts adds for upstream responses. */
export interface ParserLeniency {
  parser: ParserClass;
  responseFlags: number;
}

/** Runs a response through a parser with `flags`: did its head parse? */
function headParses(parser: ParserClass, flags: number, text: string): boolean {
  const p = new parser();
  let complete = false;
  p[parser.kOnHeadersComplete] = () => { complete = true; return 0; };
  p.initialize(parser.RESPONSE, {}, 0, flags);
  const ret = p.execute(Buffer.from(text, 'latin1'));
  p.close();
  return complete && !(ret instanceof Error);
}

export const parserLeniency: ParserLeniency | undefined = probe('parserLeniency', '_http_common.HTTPParser (lenient flags)', false,
  'an upstream answering with bare-LF line ends gets 502 (invalid header)', () => {
    const parser = (createRequire(import.meta.url)('_http_common') as { HTTPParser?: ParserClass }).HTTPParser;
    // The flag constants exist where initialize() takes lenient flags (its 4th argument).
    if (typeof parser?.prototype?.initialize !== 'function' || typeof parser.kLenientOptionalCRBeforeLF !== 'number'
      || typeof parser.RESPONSE !== 'number' || typeof parser.kOnHeadersComplete !== 'number') return undefined;
    const flags = parser.kLenientOptionalCRBeforeLF;
    const bareLf = 'HTTP/1.1 200 OK\nContent-Length: 0\nX-A: 1\n\n';
    // The flag must be what makes the difference, and a bare CR must stay refused.
    if (headParses(parser, 0, bareLf) || !headParses(parser, flags, bareLf)) return undefined;
    if (headParses(parser, flags, 'HTTP/1.1 200 OK\r\nContent-Length: 0\rX-A: 1\r\n\r\n')) return undefined;
    return { parser, responseFlags: flags };
  });

const BARE_LF_RESPONSES = Symbol('ngts.bareLfResponses');
let initializeWrapped = false;

/** node's client gives initialize() an HTTPClientAsyncResource: { type, req }. */
function wrapInitialize(leniency: ParserLeniency): void {
  const proto = leniency.parser.prototype;
  const original = proto.initialize;
  const response = leniency.parser.RESPONSE;
  const flags = leniency.responseFlags;
  proto.initialize = function initialize(this: ParserInstance, type, resource, maxHeaderSize, lenient, connections) {
    if (type === response) {
      const agent = (resource as { req?: { agent?: Record<symbol, unknown> } } | undefined)?.req?.agent;
      if (agent?.[BARE_LF_RESPONSES] === true) return original.call(this, type, resource, maxHeaderSize, lenient | flags, connections);
    }
    // eslint-disable-next-line prefer-rest-params
    return Reflect.apply(original, this, arguments) as void;
  };
  initializeWrapped = true;
}

/**
 * Responses to requests made through `agent` may end their lines with a bare LF (status line,
 * headers, end of the head), as nginx accepts from upstreams. A bare CR stays refused.
 */
export function acceptBareLfResponses(agent: http.Agent): void {
  if (parserLeniency === undefined) return;
  if (!initializeWrapped) wrapInitialize(parserLeniency);
  (agent as unknown as Record<symbol, unknown>)[BARE_LF_RESPONSES] = true;
}
