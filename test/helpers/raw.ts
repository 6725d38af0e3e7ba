// Raw TCP for the bytes node's http client would not send or would hide: a client connection that
// collects what it receives, a one-shot exchange, a raw server, and parsers for raw responses.
import net from 'node:net';
import { waitFor } from './wait.js';

/** A client connection to 127.0.0.1 that collects what arrives and says how it ended. */
export class RawClient {
  readonly socket: net.Socket;
  /** What arrived, as latin1 text (byte for byte); not kept with `countOnly`. */
  text = '';
  /** Bytes received. */
  received = 0;
  /** '' while open; 'end' after the server's FIN; else the error's code (ECONNRESET…) or 'close'. */
  endedBy = '';
  /** Resolves with endedBy once the connection is over. */
  readonly ended: Promise<string>;
  /** Resolves once connected. */
  readonly connected: Promise<void>;

  constructor(port: number, options: { countOnly?: boolean } = {}) {
    this.socket = net.connect(port, '127.0.0.1');
    this.connected = new Promise((resolve) => this.socket.once('connect', () => resolve()));
    this.socket.on('data', (d: Buffer) => {
      this.received += d.length;
      if (options.countOnly !== true) this.text += d.toString('latin1');
    });
    this.ended = new Promise((resolve) => {
      const settle = (how: string): void => {
        this.endedBy ||= how;
        resolve(this.endedBy);
      };
      this.socket.on('end', () => settle('end'));
      this.socket.on('error', (e: NodeJS.ErrnoException) => settle(e.code ?? e.message));
      this.socket.on('close', () => settle('close'));
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Resolves with the text received once `check` holds for it. */
  waitForText(check: (text: string) => boolean, what: string, limitMs?: number): Promise<string> {
    return waitFor(() => check(this.text) && this.text, what, limitMs);
  }

  /** Resolves once a whole response (head and Content-Length body) arrived. */
  waitForResponse(limitMs?: number): Promise<string> {
    return this.waitForText(hasFullResponse, 'a whole response', limitMs);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export interface RawReply {
  text: string;
  /** True when the server closed the connection. */
  closed: boolean;
}

/**
 * Sends `data` on a new connection; resolves with what came back once `until` holds for it
 * (then closes the connection), or when the server closes it.
 */
export function rawExchange(port: number, data: string | Buffer, options: { until?: (text: string) => boolean } = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let settled = false;
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve({ text, closed });
    };
    socket.on('connect', () => socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data));
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (options.until?.(text)) finish(false);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET') finish(true);
      else reject(e);
    });
  });
}

export interface RawServer {
  port: number;
  /** Destroys every connection and closes the server. */
  close(): Promise<void>;
}

/** A TCP server on 127.0.0.1 (port 0) that hands each connection to `onConnection`. */
export function rawServer(onConnection: (socket: net.Socket) => void): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onConnection(s);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((done) => {
      for (const s of sockets) s.destroy();
      server.close(() => done());
    }),
  })));
}

/** The status line and headers of a raw response (the first one in `text`). */
export function parseHead(text: string): { statusLine: string; headers: Map<string, string>; body: string } {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = new Map<string, string>();
  for (const l of lines) {
    const c = l.indexOf(':');
    headers.set(l.slice(0, c).toLowerCase(), l.slice(c + 1).trim());
  }
  return { statusLine, headers, body: end < 0 ? '' : text.slice(end + 4) };
}

/** A complete response (head and Content-Length body) has arrived. */
export function hasFullResponse(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const m = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
  return text.length >= end + 4 + (m ? Number(m[1]) : 0);
}
