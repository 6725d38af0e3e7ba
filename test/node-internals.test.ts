// The canary for src/node-internals.ts: every private API of Node that ngts uses is probed there,
// and here each probe must find what it expects on this Node, and each accessor must do what
// ngts relies on, on real servers and sockets. A Node upgrade that removes or changes one fails
// here first. The last test pins the llhttp behaviour that keeps requests strict about bare LF.
import { waitFor } from './helpers/wait.js';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import {
  acceptBareLfResponses, agentAddRequest, agentKeepAliveMsecs, connectionIsIdle, createServerHandle, headerStoreUnused, headerText,
  missingRequiredInternals, parserLeniency, probes, rawStat, replaceStoreHeader, responseOnSocket, responseToRequestOnSocket,
  setKeepAliveHeaderTimeout, STAT_FIELD, stopPooling, storeHeader, type StoreHeader,
} from '../src/node-internals.js';

const closers: (() => void)[] = [];
after(() => { for (const close of closers) close(); });

interface Served {
  server: http.Server;
  port: number;
  /** The server side of every connection, in order. */
  sockets: net.Socket[];
}

function serve(handler: http.RequestListener): Promise<Served> {
  const server = http.createServer(handler);
  const sockets: net.Socket[] = [];
  server.on('connection', (s: net.Socket) => sockets.push(s));
  closers.push(() => { server.closeAllConnections(); server.close(); });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as net.AddressInfo).port, sockets })));
}

/** A raw TCP server answering every connection with `reply` once it has a whole request head. */
function rawBackend(reply: string): Promise<number> {
  const server = net.createServer((socket) => {
    let head = '';
    socket.on('data', (d) => {
      head += d.toString('latin1');
      if (head.includes('\r\n\r\n')) socket.end(reply, 'latin1');
    });
    socket.on('error', () => {});
  });
  closers.push(() => server.close());
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

function fetchVia(agent: http.Agent | undefined, port: number): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

describe('node internals on this Node', () => {
  it('every probe finds what it expects', () => {
    const missing = probes.filter((p) => !p.found).map((p) => `${p.name} (${p.api}; without it: ${p.without})`);
    assert.deepEqual(missing, []);
    assert.equal(missingRequiredInternals(), undefined);
  });

  it('fs binding stat: node\'s stat array', () => {
    const root = rawStat!('/');
    assert.ok(root instanceof Float64Array);
    assert.equal(root[STAT_FIELD.mode] & 0o170000, 0o040000);
    assert.equal(rawStat!('/no/such/path/ngts'), undefined);
  });

  it('net._createServerHandle: a bound TCP handle', () => {
    const handle = createServerHandle('127.0.0.1', 0, 4);
    assert.notEqual(typeof handle, 'number');
    if (typeof handle === 'number') return;
    const out: { port?: number } = {};
    assert.equal(handle.getsockname(out), 0);
    assert.ok((out.port ?? 0) > 0);
    handle.close();
  });

  it('_storeHeader: a client request writes the flat list it is given', async () => {
    let seen: string[] = [];
    const { port } = await serve((req, res) => { seen = req.rawHeaders; res.end(); });
    const store: StoreHeader = function (this: unknown, firstLine: string) {
      storeHeader!.call(this, firstLine, ['Host', 'listed', 'X-One', '1', 'X-One', '2']);
    };
    await new Promise<void>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/', agent: false, headers: { host: '-' } }, (res) => { res.resume(); res.on('end', resolve); });
      replaceStoreHeader(req, store);
      req.on('error', reject);
      req.end();
    });
    assert.deepEqual(seen.slice(0, 6), ['Host', 'listed', 'X-One', '1', 'X-One', '2']);
  });

  it('kOutHeaders, _keepAliveTimeout, _header and socket._httpMessage on a server response', async () => {
    const observed: Record<string, unknown> = {};
    const { port } = await serve((req, res) => {
      observed.unusedAtFirst = headerStoreUnused(res);
      observed.onSocket = responseOnSocket(req.socket) === res;
      res.setHeader('X-A', '1');
      observed.unusedAfterSet = headerStoreUnused(res);
      setKeepAliveHeaderTimeout(res, 3000);
      res.writeHead(200);
      observed.head = headerText(res);
      res.end('ok');
    });
    const raw = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      let text = '';
      socket.on('data', (d) => {
        text += d.toString('latin1');
        if (text.endsWith('ok\r\n0\r\n\r\n') || text.endsWith('ok')) { socket.destroy(); resolve(text); }
      });
    });
    assert.equal(observed.unusedAtFirst, true);
    assert.equal(observed.unusedAfterSet, false);
    assert.equal(observed.onSocket, true);
    assert.match(raw, /\r\nKeep-Alive: timeout=3\r\n/);
    assert.equal(observed.head, raw.slice(0, raw.indexOf('\r\n\r\n') + 4));
  });

  it('server connections list: idle between requests, not inside one', async () => {
    const { server, port, sockets } = await serve((req, res) => { res.end('ok'); });
    const idle = net.connect(port, '127.0.0.1');
    const partial = net.connect(port, '127.0.0.1');
    closers.push(() => { idle.destroy(); partial.destroy(); });
    let answered = '';
    idle.on('data', (d) => { answered += d; });
    idle.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    partial.write('GET / HTTP/1.1\r\nHost: x\r\n');
    await waitFor(() => answered.includes('ok'), 'the first response');
    const serverSide = (client: net.Socket) => sockets.find((s) => s.remotePort === client.localPort);
    await waitFor(() => serverSide(partial)?.bytesRead === 'GET / HTTP/1.1\r\nHost: x\r\n'.length, 'the partial request read');
    assert.equal(connectionIsIdle(server, serverSide(idle)!), true);
    assert.equal(connectionIsIdle(server, serverSide(partial)!), false);
  });

  it('Agent.addRequest, keepAliveMsecs, keepAlive and the upstream socket\'s response', async () => {
    const { port } = await serve((req, res) => { res.end('ok'); });
    const added: http.ClientRequest[] = [];
    class Tracking extends http.Agent {
      addRequest(req: http.ClientRequest, options: unknown): void {
        added.push(req);
        agentAddRequest.call(this, req, options);
      }
    }
    const agent = new Tracking({ keepAlive: true, keepAliveMsecs: 4321 });
    closers.push(() => agent.destroy());
    assert.equal(agentKeepAliveMsecs(agent), 4321);
    let seenRes: http.IncomingMessage | undefined;
    let res: http.IncomingMessage | undefined;
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (r) => {
        res = r;
        seenRes = responseToRequestOnSocket(req.socket!);
        r.resume();
        r.on('end', resolve);
      });
      req.on('error', reject);
    });
    assert.equal(added.length, 1);
    assert.ok(res !== undefined && seenRes === res);
    const pooled = () => Object.values(agent.freeSockets).reduce((n, list) => n + (list?.length ?? 0), 0);
    await waitFor(() => pooled() === 1, 'the socket back in the pool');
    // Once pooling stops, the pooled socket serves one more request and is closed after it.
    stopPooling(agent);
    await fetchVia(agent, port);
    await waitFor(() => pooled() === 0, 'the pool emptied');
  });

  it('parser leniency: bare-LF responses through a marked agent only, bare CR still refused', async () => {
    assert.ok(parserLeniency !== undefined);
    const bareLf = await rawBackend('HTTP/1.1 200 OK\nContent-Length: 5\nX-Up: lf\n\nhello');
    const bareCr = await rawBackend('HTTP/1.1 200 OK\r\nContent-Length: 5\rX-Up: cr\r\n\r\nhello');
    const marked = new http.Agent();
    acceptBareLfResponses(marked);
    const ok = await fetchVia(marked, bareLf);
    assert.deepEqual([ok.status, ok.headers['x-up'], ok.body], [200, 'lf', 'hello']);
    await assert.rejects(fetchVia(new http.Agent(), bareLf), (err: NodeJS.ErrnoException) => /^HPE_/.test(err.code ?? ''));
    await assert.rejects(fetchVia(marked, bareCr), (err: NodeJS.ErrnoException) => err.code === 'HPE_LF_EXPECTED');
  });

  it('llhttp still cannot take a bare LF after a request line without taking a bare CR too (why requests stay strict)', () => {
    const { HTTPParser } = createRequire(import.meta.url)('_http_common') as { HTTPParser: ParserClass };
    const crBeforeLf = HTTPParser.kLenientOptionalCRBeforeLF;
    const lfAfterCr = HTTPParser.kLenientOptionalLFAfterCR;
    // If one of these changes, llhttp changed: see README "Line ends" and node-internals.ts.
    assert.equal(requestParses(HTTPParser, crBeforeLf, 'GET / HTTP/1.1\nHost: x\n\n'), false, 'a bare LF after the request line needs more than kLenientOptionalCRBeforeLF');
    assert.equal(requestParses(HTTPParser, crBeforeLf | lfAfterCr, 'GET / HTTP/1.1\nHost: x\n\n'), true);
    assert.equal(requestParses(HTTPParser, crBeforeLf | lfAfterCr, 'GET / HTTP/1.1\rHost: x\r\n\r\n'), true, 'kLenientOptionalLFAfterCR takes a bare CR');
    assert.equal(requestParses(HTTPParser, crBeforeLf | lfAfterCr, 'GET / HTTP/1.0\n\n'), false, '"GET / HTTP/1.0\\n\\n" waits for more');
  });
});

interface ParserClass {
  new(): { initialize(type: number, resource: object, max: number, flags: number): void; execute(b: Buffer): number | Error; close(): void; [k: number]: unknown };
  REQUEST: number;
  kOnHeadersComplete: number;
  kLenientOptionalCRBeforeLF: number;
  kLenientOptionalLFAfterCR: number;
}

function requestParses(parser: ParserClass, flags: number, text: string): boolean {
  const p = new parser();
  let complete = false;
  p[parser.kOnHeadersComplete] = () => { complete = true; return 0; };
  p.initialize(parser.REQUEST, {}, 0, flags);
  const ret = p.execute(Buffer.from(text, 'latin1'));
  p.close();
  return complete && !(ret instanceof Error);
}
