// What node's HTTP parser refuses before a request exists ('clientError'), answered as nginx
// answers it: its built-in 400/414 page with Server, Date and "Connection: close", then the
// connection is closed. A request that took too long to send its header (client_header_timeout)
// is closed without an answer, as nginx does.
import type { Socket } from 'node:net';
import { httpDateNow } from '../log/clock.js';
import { responseOnSocket } from '../node-internals.js';
import type { ErrorLog } from '../log/error-log.js';
import type http from 'node:http';
import { HttpRequest, type ConnectionState } from './request.js';
import { logRequest } from './request-log.js';
import { reasonPhrase, REQUEST_HEADER_TOO_LARGE, specialPage } from './special-response.js';
import type { VirtualServer } from './virtual-server.js';

interface ParserError extends Error {
  code?: string;
  rawPacket?: Buffer;
}

/** nginx's wording for the error log ("client sent invalid method while reading client request line"). */
function describe(code: string | undefined): string {
  switch (code) {
    case 'HPE_INVALID_METHOD': return 'client sent invalid method while reading client request line';
    case 'HPE_INVALID_VERSION': return 'client sent invalid version while reading client request line';
    case 'HPE_INVALID_URL': return 'client sent invalid request while reading client request line';
    case 'HPE_INVALID_HEADER_TOKEN': return 'client sent invalid header line while reading client request headers';
    case 'HPE_INVALID_CHUNK_SIZE':
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 'client sent invalid chunked body';
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return 'client sent "Content-Length" and "Transfer-Encoding" headers at the same time while reading client request headers';
    case 'HPE_INVALID_CONTENT_LENGTH':
      return 'client sent invalid "Content-Length" header while reading client request headers';
    default: return 'client sent invalid request';
  }
}

/** Did the overflow happen in the request line (414) or in the headers (400 "…Too Large")? */
function overflowStatus(err: ParserError, lineLimit: number): number {
  const packet = err.rawPacket;
  if (!packet) return REQUEST_HEADER_TOO_LARGE;
  const head = packet.subarray(0, Math.min(packet.length, lineLimit + 2)).toString('latin1');
  if (!/^[A-Z]+ /.test(head)) return REQUEST_HEADER_TOO_LARGE;
  const nl = head.indexOf('\n');
  return nl < 0 || nl > lineLimit ? 414 : REQUEST_HEADER_TOO_LARGE;
}

export function answerClientError(
  err: ParserError, socket: Socket, server: VirtualServer, conn: ConnectionState | undefined, errorLog: ErrorLog,
): void {
  const code = err.code;
  // The line of a refused (or in-flight) request is logged once the socket has closed.
  conn?.keepAddresses();
  const pending = responseOnSocket(socket);
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    if (errorLog.enabled('info')) errorLog.log('info', `*${conn?.id ?? 0} client timed out while reading client request headers, client: ${socket.remoteAddress ?? ''}, server: ${server.serverName}`);
    socket.destroy();
    return;
  }
  // The client went away mid-request (HPE_INVALID_EOF_STATE): nothing to answer.
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'HPE_INVALID_EOF_STATE' || !socket.writable || pending?.headersSent) {
    socket.destroy();
    return;
  }
  const conf = server.level.conf;
  const status = code === 'HPE_HEADER_OVERFLOW' ? overflowStatus(err, conf.largeClientHeaderBuffers.size) : 400;
  const line = receivedLine(err, lineLimit(server));
  // A body error belongs to a request already being answered: nginx logs it at [error] with
  // the request's context.
  const inFlight = (pending as { ngts?: HttpRequest } | null | undefined)?.ngts;
  const chunked = code === 'HPE_INVALID_CHUNK_SIZE' || code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW';
  const level = chunked ? 'error' : 'info';
  if (errorLog.enabled(level)) {
    const what = status === 414 ? 'client sent too long URI while reading client request line'
      : status === REQUEST_HEADER_TOO_LARGE ? 'client sent too long header line while reading client request headers'
        : describe(code);
    let context = `client: ${socket.remoteAddress ?? ''}, server: ${server.serverName}`;
    if (inFlight) {
      context = `client: ${inFlight.conn.remoteAddress}, server: ${inFlight.serverName}, request: "${inFlight.requestLine}"`;
      if (inFlight.req.headers.host !== undefined) context += `, host: "${inFlight.req.headers.host}"`;
    } else if (line !== '') {
      context += `, request: "${line}"`;
    }
    errorLog.log(level, `*${conn?.id ?? 0} ${what}, ${context}`);
  }
  const body = specialPage(status, conf.serverTokens)!;
  const wire = status === REQUEST_HEADER_TOO_LARGE ? 400 : status;
  const head = `HTTP/1.1 ${wire} ${reasonPhrase(wire)}\r\nServer: ${server.level.serverHeader}\r\nDate: ${httpDateNow()}\r\n`
    + `Content-Type: text/html\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  if (inFlight) {
    inFlight.status = wire;
    inFlight.rawHeadBytes = head.length;
    inFlight.rawBodyBytes = body.length;
  }
  const r = conn && !inFlight ? refusedRequest(socket, server, conn, wire, head, line, body.length) : undefined;
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]), () => {
    socket.destroy();
    if (r) logRequest(r);
  });
}

function lineLimit(server: VirtualServer): number {
  return server.level.conf.largeClientHeaderBuffers.size;
}

/**
 * nginx logs refused requests too ("FOO" 400 157): a request object with what is known, the
 * request line as far as it was received.
 */
/** The request line as far as it was received, when the packet starts with one. */
function receivedLine(err: ParserError, limit: number): string {
  const packet = err.rawPacket?.subarray(0, limit).toString('latin1') ?? '';
  const eol = packet.search(/\r?\n/);
  return /^[\x21-\x7e]/.test(packet) ? (eol < 0 ? packet : packet.slice(0, eol)) : '';
}

function refusedRequest(
  socket: Socket, server: VirtualServer, conn: ConnectionState, status: number, head: string, line: string, bodyLength: number,
): HttpRequest {
  conn.requests++;
  const req = { method: line.split(' ')[0] ?? '', url: '', httpVersion: '1.1', headers: {}, rawHeaders: [] };
  const res = { statusCode: status, headersSent: true, getHeader: () => undefined };
  const r = new HttpRequest(req as unknown as http.IncomingMessage, res as unknown as http.ServerResponse, socket, conn, line);
  r.vhost = server;
  r.level = server.level;
  r.status = status;
  r.done = true;
  r.rawHeadBytes = head.length;
  r.rawBodyBytes = bodyLength;
  return r;
}
