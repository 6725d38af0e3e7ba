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
import net from 'node:net';
import util from 'node:util';
import type { Config, ListenConf } from '../config/types.js';
import { errnoText } from '../config/parse.js';
import { createServerHandle, type TcpHandle } from '../node-internals.js';

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
function bindError(handle: TcpHandle, port: number): number {
  const out: { port?: number } = {};
  if (handle.getsockname(out) === 0 && out.port === port) return 0;
  const err = handle.listen(511);
  return err < 0 ? err : -98; // EADDRINUSE if libuv kept no better reason
}

export class ListenSockets {
  private readonly handles = new Map<string, TcpHandle>();

  /**
   * Binds every address of `config` that is not bound yet. On failure, closes what this call
   * bound and returns nginx's message ("bind() to 127.0.0.1:80 failed (98: Address already in use)").
   */
  open(config: Config): string | undefined {
    const opened: string[] = [];
    for (const listen of listensOf(config)) {
      if (this.handles.has(listen.key)) continue;
      const addressType = net.isIPv6(listen.host) ? 6 : 4;
      // nginx's default for an IPv6 listen is ipv6only=on ([::]:80 does not take IPv4 too).
      const v6only = addressType === 6 && (listen.ipv6only ?? true);
      const result = createServerHandle(listen.host, listen.port, addressType, undefined, v6only ? IPV6_ONLY : 0);
      const failure = typeof result === 'number' ? result : bindError(result, listen.port);
      if (failure !== 0) {
        if (typeof result !== 'number') result.close();
        for (const key of opened) this.close(key);
        const [code, message] = util.getSystemErrorMap().get(failure) ?? ['', 'Unknown error'];
        return `bind() to ${listen.key} failed (${errnoText({ code, errno: -failure, message } as NodeJS.ErrnoException)})`;
      }
      this.handles.set(listen.key, result as TcpHandle);
      opened.push(listen.key);
    }
    return undefined;
  }

  get(key: string): TcpHandle | undefined {
    return this.handles.get(key);
  }

  /** Closes the sockets none of `configs` listens on (workers that still have a copy keep theirs). */
  retain(configs: Config[]): void {
    const used = new Set(configs.flatMap((c) => listensOf(c).map((l) => l.key)));
    for (const key of [...this.handles.keys()]) if (!used.has(key)) this.close(key);
  }

  closeAll(): void {
    for (const key of [...this.handles.keys()]) this.close(key);
  }

  private close(key: string): void {
    this.handles.get(key)?.close();
    this.handles.delete(key);
  }
}
