// One health probe of one peer (keepalived's checkers): TCP_CHECK connects within the timeout;
// HTTP_GET also sends check_http_send and reads the status line, whose class must be one of
// check_http_expect_alive. The whole probe is bounded by `timeout`. Failures are worded as
// nginx words upstream errors, so the "is down" line reads like nginx's own.
import net from 'node:net';
import { strerror } from '../log/strerror.js';

export interface ProbeTarget {
  host: string;
  port: number;
  /** A unix-domain peer: the socket to connect to (host and port unused). */
  socketPath?: string;
  timeout: number;
  /** type=http: the bytes to send and the alive status classes (2 for 2xx…). */
  http?: { send: string; alive: readonly number[] };
}

export interface ProbeResult {
  ok: boolean;
  /** Why it failed: "connect() failed (111: Connection refused)", "… timed out", "status 503…". */
  reason: string;
  /** Milliseconds from the start of the probe to its verdict. */
  ms: number;
}

const STATUS_LINE = /^HTTP\/\d\.\d (\d)(\d\d)/;

/** `signal` ends the probe at once (the master is exiting: an open probe must not hold it). */
export function probe(target: ProbeTarget, signal?: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    let connected = false;
    let received = '';
    let settled = false;
    const socket = target.socketPath !== undefined
      ? net.connect({ path: target.socketPath, signal })
      : net.connect({ host: target.host, port: target.port, signal });
    const finish = (ok: boolean, reason: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok, reason, ms: Math.round((performance.now() - started) * 10) / 10 });
    };
    const timer = setTimeout(() => {
      finish(false, connected ? 'upstream timed out (110: Connection timed out) while reading check response' : 'connect() timed out (110: Connection timed out)');
    }, target.timeout);
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (e.name === 'AbortError') return finish(false, 'aborted');
      finish(false, connected ? `recv() failed (${strerror(e)}) while reading check response` : `connect() failed (${strerror(e)})`);
    });
    socket.on('connect', () => {
      connected = true;
      if (target.http === undefined) return finish(true, 'connected');
      socket.write(target.http.send);
    });
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
      const eol = received.indexOf('\n');
      if (eol < 0 && received.length < 1024) return;
      const line = (eol < 0 ? received : received.slice(0, eol)).replace(/\r$/, '');
      const m = STATUS_LINE.exec(line);
      if (!m) return finish(false, `upstream sent an invalid status line "${line.slice(0, 64)}" to check`);
      const alive = target.http!.alive.includes(Number(m[1]));
      finish(alive, alive ? `status ${m[1]}${m[2]}` : `status ${m[1]}${m[2]} is not alive`);
    });
    socket.on('end', () => finish(false, 'upstream prematurely closed connection while reading check response'));
  });
}
