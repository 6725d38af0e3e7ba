// The worker's HTTP side: one node http.Server per distinct listen address, built from a Config
// once per configuration generation. The worker (src/worker) opens and drains them.
//
// Everything a request needs is compiled here, before the first request: server-name tables per
// address, location trees, templates, log formats and log files (src/http/phases.ts runs them).
import http from 'node:http';
import type { Socket } from 'node:net';
import type { AccessLogConf, Config, ListenConf, LogFormatConf, MergedLocConf } from '../config/types.js';
import { COMBINED_FORMAT } from '../config/directives/log.js';
import { AccessLogFile } from '../log/access-log-file.js';
import type { ErrorLog } from '../log/error-log.js';
import { compileLogFormat, type AccessLogTarget } from './access-log.js';
import './builtin-variables.js';
import { mapVariables } from './map.js';
import { HTTP_MODULES } from './module-list.js';
import type { AnyHttpModule, Generation } from './module.js';
import { answerClientError } from './client-error.js';
import { Connection, type LocalAddress } from './connection.js';
import type { LevelCompiler } from './loc-runtime.js';
import { HttpCore } from './phases.js';
import { NgtsResponse } from './response.js';
import { ServerNameTable } from './server-names.js';
import type { Template } from './variables.js';
import { namedGroups } from './variables.js';
import { VirtualServer } from './virtual-server.js';

export interface HttpRuntimeOptions {
  errorLog: ErrorLog;
  /** True once this worker is shutting down gracefully: responses then say Connection: close. */
  isDraining(): boolean;
  /** Called first for every request (the worker's connection drain). */
  onRequest?(req: http.IncomingMessage, res: http.ServerResponse): void;
  /** The modules, in order; default: the worker's list (src/http/module-list.ts). */
  modules?: readonly AnyHttpModule[];
}

export interface ListeningServer {
  listen: ListenConf;
  server: http.Server;
}

export interface HttpRuntime {
  /** One server per distinct listen address, not yet listening. */
  servers: ListeningServer[];
  /** Reopen access logs (USR1). */
  reopenLogs(): void;
  /** Flush buffered access logs; called before the worker exits. */
  flush(): void;
  /**
   * The generation stops taking requests (the worker drains): modules let go of what they keep
   * open, such as idle upstream keep-alive connections; requests in flight finish.
   */
  retire(): void;
}

/** The connection's record: one property on its socket. */
const CONNECTION = Symbol('ngts.connection');
type TrackedSocket = Socket & { [CONNECTION]?: Connection };

interface AddressEntry {
  listen: ListenConf;
  servers: VirtualServer[];
}

/** The default_server of an address, else its first server. */
function serverTable(listen: ListenConf, list: VirtualServer[]): ServerNameTable {
  const defaultServer = list.find((v) => v.conf.listens.some((l) => l.key === listen.key && l.defaultServer)) ?? list[0];
  return new ServerNameTable(list, defaultServer);
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/** One socket per address, except addresses covered by a wildcard of their port and family. */
function socketGroups(byAddress: Map<string, AddressEntry>): { main: AddressEntry; covered: AddressEntry[] }[] {
  const entries = [...byAddress.values()];
  const wildcardOf = (e: AddressEntry) => entries.find((w) => w !== e && isWildcard(w.listen.host)
    && w.listen.port === e.listen.port && w.listen.host.includes(':') === e.listen.host.includes(':'));
  const groups = new Map<AddressEntry, AddressEntry[]>();
  for (const e of entries) {
    const w = isWildcard(e.listen.host) ? undefined : wildcardOf(e);
    if (w) {
      if (!groups.has(w)) groups.set(w, []);
      groups.get(w)!.push(e);
    } else if (!groups.has(e)) {
      groups.set(e, []);
    }
  }
  return [...groups].map(([main, covered]) => ({ main, covered }));
}

export function createHttpRuntime(config: Config, options: HttpRuntimeOptions): HttpRuntime {
  const httpConf = config.http;
  const logFiles = new Map<string, AccessLogFile>();
  const compiler = levelCompiler(config, options.modules ?? HTTP_MODULES, (a) => {
    let file = logFiles.get(a.path);
    if (!file) {
      file = new AccessLogFile(a.path, a.buffer ?? 0, a.flush, options.errorLog);
      logFiles.set(a.path, file);
    }
    return file;
  });
  const vservers = (httpConf?.servers ?? []).map((s) => new VirtualServer(s, compiler));

  const byAddress = new Map<string, { listen: ListenConf; servers: VirtualServer[] }>();
  for (const vs of vservers) {
    for (const listen of vs.conf.listens) {
      const entry = byAddress.get(listen.key) ?? { listen, servers: [] };
      entry.servers.push(vs);
      byAddress.set(listen.key, entry);
    }
  }

  const core = new HttpCore(options);
  const servers: ListeningServer[] = [];
  for (const group of socketGroups(byAddress)) {
    const { listen, servers: list } = group.main;
    const table = serverTable(listen, list);
    // An address covered by a wildcard listen on the same port shares its socket, as nginx
    // binds only the wildcard; the connection's local address picks that address's servers.
    const byLocalAddress = new Map<string, ServerNameTable>();
    for (const extra of group.covered) byLocalAddress.set(extra.listen.host, serverTable(extra.listen, extra.servers));
    const tableFor = (socket: Socket): ServerNameTable => (byLocalAddress.size > 0 && byLocalAddress.get(socket.localAddress ?? '')) || table;
    // Every connection has the listening socket's port, and its address unless it is a wildcard:
    // read once from the listening socket, not by a getsockname() per connection. A unix
    // socket's is its "unix:PATH", without a port.
    let bound: LocalAddress | undefined = listen.unix !== undefined ? { address: listen.key, port: 0 } : undefined;
    const connect = (socket: Socket): Connection => new Connection(socket, bound ??= boundAddress(server, socket), tableFor(socket));
    const defaultServer = table.defaultServer;
    // Reading the header happens before the virtual server is known: nginx uses the default
    // server's client_header_timeout and large_client_header_buffers, and so does ngts.
    const conf = defaultServer.level.conf;
    const server = http.createServer({
      ServerResponse: NgtsResponse as unknown as typeof http.ServerResponse,
      maxHeaderSize: conf.largeClientHeaderBuffers.number * conf.largeClientHeaderBuffers.size,
      headersTimeout: conf.clientHeaderTimeout,
      requestTimeout: 0,
      // nginx's own check answers with its page and an error-log line (phases.ts).
      requireHostHeader: false,
      keepAliveTimeout: nodeKeepAliveTimeout(conf.keepaliveTimeout),
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(conf.clientHeaderTimeout / 4))),
    });
    server.on('connection', (socket: TrackedSocket) => {
      socket[CONNECTION] = connect(socket);
    });
    const onRequest = options.onRequest;
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (onRequest !== undefined) onRequest(req, res);
      const socket = req.socket as TrackedSocket;
      const conn = socket[CONNECTION] ??= connect(socket);
      core.run(req, res as NgtsResponse, conn, conn.table);
      // The response goes on after this turn (a body to read, a file stream, the proxy, a
      // pipelined answer waiting for its turn): the client may be gone when its line is logged.
      // One written whole is logged before node hears of anything the client does next.
      if (!res.writableEnded || res.socket === null || socket.writableLength > 0) conn.keepAddresses();
    });
    server.on('upgrade', (req: http.IncomingMessage, socket: TrackedSocket, head: Buffer) => {
      const conn = socket[CONNECTION] ??= connect(socket);
      conn.keepAddresses();
      core.runUpgrade(req, socket, head, conn, conn.table);
    });
    server.on('clientError', (err: Error, socket: TrackedSocket) => {
      answerClientError(err, socket, (socket[CONNECTION]?.table ?? table).defaultServer, socket[CONNECTION], options.errorLog, core);
    });
    // nginx has no CONNECT method: its parser refuses the request line with a 400.
    server.on('connect', (req: http.IncomingMessage, socket: TrackedSocket) => {
      const line = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
      const err = Object.assign(new Error('CONNECT'), { code: 'HPE_INVALID_METHOD', rawPacket: Buffer.from(line, 'latin1') });
      answerClientError(err, socket, (socket[CONNECTION]?.table ?? table).defaultServer, socket[CONNECTION], options.errorLog, core);
    });
    servers.push({ listen, server });
  }

  return {
    servers,
    reopenLogs() {
      for (const f of logFiles.values()) f.reopen();
    },
    flush() {
      for (const f of logFiles.values()) f.flush();
    },
    retire() {
      for (const hook of compiler.generation.onRetire) hook();
    },
  };
}

/**
 * node arms an idle keep-alive connection with keepAliveTimeout plus a 1 s margin of its own
 * (HTTP_SERVER_KEEP_ALIVE_TIMEOUT_BUFFER): asking for 1 s less makes it arm keepalive_timeout
 * exactly, so that the core does not re-arm the timer after every response (phases.ts).
 */
function nodeKeepAliveTimeout(keepaliveTimeout: number): number {
  return keepaliveTimeout > 1000 ? keepaliveTimeout - 1000 : keepaliveTimeout;
}

/** The listening socket's port, and its address unless it is a wildcard. */
function boundAddress(server: http.Server, socket: Socket): LocalAddress {
  const a = server.address();
  if (a === null || typeof a === 'string') return { address: undefined, port: socket.localPort ?? 0 };
  return { address: isWildcard(a.address) ? undefined : a.address, port: a.port };
}

/**
 * Compiles levels with shared log files (one per path, from `openLog`; undefined: compile the
 * formats only, for checking) and formats (one per name).
 */
export function levelCompiler(config: Config, modules: readonly AnyHttpModule[], openLog: ((conf: AccessLogConf) => AccessLogFile) | undefined): LevelCompiler {
  const captureNames = new Set<string>();
  for (const s of config.http?.servers ?? []) {
    for (const n of s.serverNames) if (n.startsWith('~')) namedGroups(n).forEach((g) => captureNames.add(g));
    const walk = (locs: typeof s.locations): void => {
      for (const l of locs) {
        if (l.modifier === '~' || l.modifier === '~*') namedGroups(l.pattern).forEach((g) => captureNames.add(g));
        walk(l.locations);
      }
    };
    walk(s.locations);
  }
  const maps = mapVariables(config.http?.maps ?? []);
  const templates = { captureNames, variables: maps.getters };
  maps.compile(templates);
  const generation: Generation = { config, modules: [], onRetire: [] };
  const formatConfs: Record<string, LogFormatConf> = { combined: COMBINED_FORMAT, ...(config.http?.logFormats ?? {}) };
  const formats = new Map<string, Template>();
  const format = (name: string): Template => {
    let f = formats.get(name);
    if (!f) {
      f = compileLogFormat(formatConfs[name] ?? COMBINED_FORMAT, templates);
      formats.set(name, f);
    }
    return f;
  };
  return {
    templates,
    generation,
    modules,
    accessLogs(conf: MergedLocConf): AccessLogTarget[] {
      const targets: AccessLogTarget[] = [];
      for (const a of conf.accessLogs) {
        const compiled = format(a.format);
        if (openLog) targets.push({ file: openLog(a), format: compiled });
      }
      return targets;
    },
  };
}
