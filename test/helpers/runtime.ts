// The real worker HTTP runtime in the test process: a configuration loaded by the real loader,
// createHttpRuntime's servers listening on 127.0.0.1 port 0 (as a worker serves, minus the
// master and IPC), and its error and access logs on disk. The `listen` ports of the
// configuration only group servers; each address gets a port of its own, found with port().
// For the master, signals and workers, start bin/ngts (ngts.ts) instead.
import type { AnyHttpModule } from '../../src/http/module.js';
import fs from 'node:fs';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import { createHttpRuntime, type HttpRuntime } from '../../src/http/runtime.js';
import { ErrorLog } from '../../src/log/error-log.js';

export interface RuntimeSite {
  /** The prefix: the configuration is its nginx.conf; relative paths resolve against it. */
  prefix: string;
  config: Config;
  runtime: HttpRuntime;
  /** The port of the server for a listen key ("127.0.0.1:8080"); default: the first. */
  port(key?: string): number;
  /** Set to make the runtime answer as a draining worker does (Connection: close). */
  draining: boolean;
  /** A file under the prefix ('' if missing), access logs flushed first. */
  read(rel: string): string;
  /** The non-empty lines of read(rel). */
  lines(rel: string): string[];
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** An existing directory to use as the prefix (removed by close()); default: a new one. */
  prefix?: string;
  /** Files to create, by path relative to the prefix; null makes a directory. */
  files?: Record<string, string | Buffer | null>;
  /** The runtime's module list (default: the worker's), for tests that add a module. */
  modules?: readonly AnyHttpModule[];
}

/** `conf` is the whole nginx.conf, or a function of the prefix that returns it. */
export async function startRuntime(conf: string | ((prefix: string) => string), options: RuntimeOptions = {}): Promise<RuntimeSite> {
  const prefix = options.prefix ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ngts-runtime-'));
  for (const [rel, content] of Object.entries(options.files ?? {})) {
    const full = path.join(prefix, rel);
    if (content === null) {
      fs.mkdirSync(full, { recursive: true });
    } else {
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, content);
    }
  }
  fs.mkdirSync(path.join(prefix, 'logs'), { recursive: true });
  fs.writeFileSync(path.join(prefix, 'nginx.conf'), typeof conf === 'string' ? conf : conf(prefix));
  const { config } = loadConfig({ prefix, confFile: 'nginx.conf' });
  const errorLog = new ErrorLog(config.main.errorLogs);
  const site = { prefix, config, draining: false } as RuntimeSite;
  const runtime = createHttpRuntime(config, { errorLog, isDraining: () => site.draining, modules: options.modules });
  const ports = new Map<string, number>();
  for (const { listen, server } of runtime.servers) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ports.set(listen.key, (server.address() as net.AddressInfo).port);
  }
  const first = ports.values().next().value as number;
  site.runtime = runtime;
  site.port = (key?: string) => {
    if (key === undefined) return first;
    const p = ports.get(key);
    if (p === undefined) throw new Error(`no server for ${key}`);
    return p;
  };
  site.read = (rel) => {
    runtime.flush();
    const full = path.join(prefix, rel);
    return fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : '';
  };
  site.lines = (rel) => site.read(rel).split('\n').filter((l) => l !== '');
  site.close = async () => {
    for (const { server } of runtime.servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    runtime.retire();
    runtime.flush();
    errorLog.close();
    fs.rmSync(prefix, { recursive: true, force: true });
  };
  return site;
}
