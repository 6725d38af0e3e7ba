// The worker's HTTP side: one node http.Server per distinct listen address, built from a Config
// once per configuration generation. The worker (src/worker) opens and drains them.
//
// This first version selects the first server on each address and answers `return` and plain
// files under `root`; the HTTP core (server selection, locations, static content) replaces the
// request handling behind the same interface.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Config, ListenConf, ServerConf } from '../config/types.js';
import type { ErrorLog } from '../log/error-log.js';
import { NAME, NAME_VERSION } from '../version.js';

export interface HttpRuntimeOptions {
  errorLog: ErrorLog;
  /** True once this worker is shutting down gracefully: responses then say Connection: close. */
  isDraining(): boolean;
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
}

export function createHttpRuntime(config: Config, options: HttpRuntimeOptions): HttpRuntime {
  const byAddress = new Map<string, { listen: ListenConf; servers: ServerConf[] }>();
  for (const server of config.http?.servers ?? []) {
    for (const listen of server.listens) {
      const entry = byAddress.get(listen.key) ?? { listen, servers: [] };
      entry.servers.push(server);
      byAddress.set(listen.key, entry);
    }
  }
  const servers: ListeningServer[] = [];
  for (const { listen, servers: vhosts } of byAddress.values()) {
    const vhost = vhosts.find((v) => v.listens.some((l) => l.key === listen.key && l.defaultServer)) ?? vhosts[0];
    const server = http.createServer((req, res) => handle(vhost, req, res, options));
    servers.push({ listen, server });
  }
  return { servers, reopenLogs() {}, flush() {} };
}

function handle(vhost: ServerConf, req: http.IncomingMessage, res: http.ServerResponse, options: HttpRuntimeOptions): void {
  res.setHeader('Server', vhost.loc.serverTokens ? NAME_VERSION : NAME);
  if (options.isDraining()) res.shouldKeepAlive = false;
  const ret = vhost.loc.return;
  if (ret) {
    res.statusCode = ret.code;
    res.end(ret.text ?? '');
    return;
  }
  const uri = decodeURIComponent((req.url ?? '/').split('?')[0]);
  if (uri.includes('..') || uri.includes('\0')) {
    res.statusCode = 400;
    res.end();
    return;
  }
  let file = path.join(vhost.loc.root.path, uri);
  if (file.endsWith('/')) file += vhost.loc.index[0];
  fs.readFile(file, (err, data) => {
    if (err) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.end(data);
  });
}
