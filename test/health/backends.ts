// A backend for health-check tests: an http server on a fixed port that can be stopped and
// started again on the same port, counts the TCP connections it accepted (tcp probes) and the
// requests it answered (http probes, proxied requests), and answers a chosen status.
import http from 'node:http';
import type net from 'node:net';
import { freePort } from '../helpers/ngts.js';

export class TestBackend {
  connections = 0;
  /** Paths requested, in order. */
  readonly requests: string[] = [];
  status = 200;
  private server: http.Server | undefined;
  private readonly sockets = new Set<net.Socket>();

  private constructor(readonly port: number) {}

  static async start(): Promise<TestBackend> {
    const b = new TestBackend(await freePort());
    await b.start();
    return b;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  start(): Promise<void> {
    const server = http.createServer((req, res) => {
      this.requests.push(req.url ?? '');
      req.resume();
      res.writeHead(this.status, { 'Content-Type': 'text/plain' });
      res.end(String(this.port));
    });
    server.on('connection', (s) => {
      this.connections++;
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: this.port, host: '127.0.0.1' }, () => resolve());
    });
  }

  stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
