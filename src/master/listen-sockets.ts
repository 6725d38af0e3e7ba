// The listening sockets, owned by the master as nginx's master owns them: bound here, handed to
// every worker (of every generation) over IPC, and closed only when no configuration uses them.
//
// Workers call listen() and accept() on their copy; the master never polls its own, so it serves
// nothing. Because the master's copy keeps the socket open, its accept queue outlives any worker:
// connections the kernel queued while an old generation stops listening, or while a killed worker
// is being replaced, are accepted by the next worker — never reset. (node's cluster does share
// sockets this way with SCHED_NONE, but closes one as soon as its last worker is gone, which
// drops the queue during a respawn; with SCHED_RR the master itself accept()s every connection
// and passes it over IPC, so it serves traffic, and a connection in flight to a worker that is
// closing or gets killed is lost. Neither is used.)
//
// A unix-domain socket (`listen unix:PATH`) is the same, a libuv Pipe instead of a TCP handle: the
// master creates the file (mode 0666, as nginx's ngx_open_listening_sockets), and closing the
// master's handle removes it (libuv unlinks the path it bound), when a reload drops the address
// and when the master exits; a worker's copy, opened from a descriptor, removes nothing. As
// nginx does, an existing file at PATH — a live socket or a stale one — is a bind() failure
// (98: Address already in use), never removed.
import fs from 'node:fs';
import net from 'node:net';
import util from 'node:util';
import type { Config, ListenConf, LogLevel } from '../config/types.js';
import { strerror } from '../log/strerror.js';

/** libuv's TCP or Pipe handle, as net._createServerHandle returns it (what cluster's primary uses). */
export type ServerHandle = {
  close(): void;
  getsockname?(out: { port?: number }): number;
  listen(backlog: number): number;
};

// A Pipe for (path, -1, -1); a TCP handle bound to (address, port) otherwise (node-internals.ts).
const createServerHandle = createHandle as unknown as (address: string, port: number, addressType: 4 | 6 | -1, fd?: number, flags?: number) => ServerHandle | number;
import { createServerHandle as createHandle } from '../node-internals.js';

/** Socket files are created readable and writable by all (nginx chmods them so). */
const UNIX_SOCKET_MODE = 0o666;

/** UV_TCP_IPV6ONLY */
const IPV6_ONLY = 1;

export function listensOf(config: Config): ListenConf[] {
  const byKey = new Map<string, ListenConf>();
  for (const server of config.http?.servers ?? []) for (const l of server.listens) if (!byKey.has(l.key)) byKey.set(l.key, l);
  return [...byKey.values()];
}

/**
 * libuv reports a failed bind() only at the next listen() ("delayed error"), and that state
 * does not travel with the descriptor: a worker's listen() would auto-bind a random port. So a
 * handle whose socket is not bound to its port failed; listen() here only fetches the errno
 * (it returns the delayed error without listening).
 */
function bindError(handle: ServerHandle, port: number): number {
  const out: { port?: number } = {};
  if (handle.getsockname!(out) === 0 && out.port === port) return 0;
  const err = handle.listen(511);
  return err < 0 ? err : -98; // EADDRINUSE if libuv kept no better reason
}

function systemError(errno: number): string {
  const [code, message] = util.getSystemErrorMap().get(errno) ?? ['', 'Unknown error'];
  return strerror({ code, errno: -errno, message } as NodeJS.ErrnoException);
}

export class ListenSockets {
  private readonly handles = new Map<string, ServerHandle>();

  /** `log` gets what nginx logs and goes on after (a failed chmod, a socket file deleted). */
  constructor(private readonly log: (level: LogLevel, message: string) => void) {}

  /**
   * Binds every address of `config` that is not bound yet. On failure, closes what this call
   * bound and returns nginx's message ("bind() to 127.0.0.1:80 failed (98: Address already in use)").
   */
  open(config: Config): string | undefined {
    const opened: string[] = [];
    for (const listen of listensOf(config)) {
      if (this.handles.has(listen.key)) continue;
      const result = listen.unix !== undefined ? this.bindUnix(listen, listen.unix) : bindInet(listen);
      if (typeof result === 'string') {
        for (const key of opened) this.close(key);
        return result;
      }
      this.handles.set(listen.key, result);
      opened.push(listen.key);
    }
    return undefined;
  }

  get(key: string): ServerHandle | undefined {
    return this.handles.get(key);
  }

  /** Closes the sockets none of `configs` listens on (workers that still have a copy keep theirs). */
  retain(configs: Config[]): void {
    const used = new Set(configs.flatMap((c) => listensOf(c).map((l) => l.key)));
    for (const key of [...this.handles.keys()]) {
      if (used.has(key)) continue;
      // As nginx when a reload drops a unix listen (ngx_init_cycle).
      if (key.startsWith('unix:')) this.log('warn', `deleting socket ${key.slice('unix:'.length)}`);
      this.close(key);
    }
  }

  closeAll(): void {
    for (const key of [...this.handles.keys()]) this.close(key);
  }

  private close(key: string): void {
    this.handles.get(key)?.close();
    this.handles.delete(key);
  }

  private bindUnix(listen: ListenConf, path: string): ServerHandle | string {
    // Linux has no SO_REUSEPORT for unix sockets: nginx stops with this line at start.
    if (listen.reuseport) return `setsockopt(SO_REUSEPORT) ${listen.key} failed (95: Operation not supported)`;
    const result = createServerHandle(path, -1, -1);
    if (typeof result === 'number') return `bind() to ${listen.key} failed (${systemError(result)})`;
    try {
      fs.chmodSync(path, UNIX_SOCKET_MODE);
    } catch (e) {
      this.log('emerg', `chmod() "${path}" failed (${strerror(e as NodeJS.ErrnoException)})`);
    }
    return result;
  }
}

function bindInet(listen: ListenConf): ServerHandle | string {
  const addressType = net.isIPv6(listen.host) ? 6 : 4;
  // nginx's default for an IPv6 listen is ipv6only=on ([::]:80 does not take IPv4 too).
  const v6only = addressType === 6 && (listen.ipv6only ?? true);
  const result = createServerHandle(listen.host, listen.port, addressType, undefined, v6only ? IPV6_ONLY : 0);
  const failure = typeof result === 'number' ? result : bindError(result, listen.port);
  if (failure === 0) return result as ServerHandle;
  if (typeof result !== 'number') result.close();
  return `bind() to ${listen.key} failed (${systemError(failure)})`;
}
