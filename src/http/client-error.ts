// What node's HTTP parser refuses before a request exists ('clientError'), answered as nginx
// answers it: its built-in 400/414 page with Server, Date and "Connection: close", then the
// connection is closed. A request that took too long to send its header (client_header_timeout)
// is closed without an answer, as nginx does.
import type { Socket } from 'node:net';
import { httpDateNow } from '../log/clock.js';
import { requestContext } from '../log/request-context.js';
import { responseOnSocket } from '../node-internals.js';
import { firstLine, headEnd, headStart, hostBefore, invalidLineText, refusedByte, type ParserError } from './parse-error.js';
import type { ErrorLog } from '../log/error-log.js';
import type { HttpCore } from './phases.js';
import type http from 'node:http';
import { HttpRequest, type ConnectionState } from './request.js';
import { logRequest } from './access-log.js';
import { reasonPhrase, REQUEST_HEADER_TOO_LARGE, specialPage } from './special-response.js';
import type { VirtualServer } from './virtual-server.js';

const LINE = ' while reading client request line';
const HEADERS = ' while reading client request headers';

/** A chunked body llhttp refused (its reasons say "chunk": "Expected LF after chunk size"…). */
function isChunkError(err: ParserError): boolean {
  const code = err.code;
  return code === 'HPE_INVALID_CHUNK_SIZE' || code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW' || /chunk/i.test(err.reason ?? '');
}

/** "Content-Length" and "Transfer-Encoding" together, whichever came first. */
function isLengthConflict(err: ParserError): boolean {
  const reason = err.reason ?? '';
  return err.code === 'HPE_UNEXPECTED_CONTENT_LENGTH'
    || (err.code === 'HPE_INVALID_TRANSFER_ENCODING' && reason.includes('Content-Length'))
    || (err.code === 'HPE_INVALID_CONTENT_LENGTH' && reason.includes('Transfer-Encoding'));
}

/** Errors in a header line: a refused byte, a bare CR, a bare LF (which nginx would accept). */
const HEADER_LINE_ERRORS = new Set(['HPE_INVALID_HEADER_TOKEN', 'HPE_LF_EXPECTED', 'HPE_CR_EXPECTED', 'HPE_STRICT', 'HPE_UNEXPECTED_SPACE']);

interface Refusal {
  /** nginx's words for the error log ("client sent invalid method while reading client request line"). */
  what: string;
  /** The Host header read before the refusal (nginx logs it once it has it). */
  host?: string;
}

function describe(err: ParserError): Refusal {
  const code = err.code;
  const reason = err.reason ?? '';
  const packet = err.rawPacket;
  const at = packet !== undefined && typeof err.bytesParsed === 'number' ? refusedByte(err) : -1;
  const start = at >= 0 ? headStart(packet!, at) : 0;
  if (isChunkError(err)) return { what: 'client sent invalid chunked body' };
  if (code === 'HPE_INVALID_METHOD') return { what: 'client sent invalid method' + LINE };
  // A bare CR (or LF) after the version: nginx's "invalid request" for the request line.
  if (reason === 'Expected CRLF after version' || code === 'HPE_INVALID_URL') return { what: 'client sent invalid request' + LINE };
  if (code === 'HPE_INVALID_VERSION') return { what: 'client sent invalid version' + LINE };
  if (isLengthConflict(err)) {
    // nginx checks them once the whole head is read: its Host is known by then.
    return {
      what: 'client sent "Content-Length" and "Transfer-Encoding" headers at the same time' + HEADERS,
      host: at >= 0 ? hostBefore(packet!, start, headEnd(packet!, start)) : undefined,
    };
  }
  const host = at >= 0 ? hostBefore(packet!, start, at) : undefined;
  if (code === 'HPE_INVALID_CONTENT_LENGTH') return { what: 'client sent invalid "Content-Length" header' + HEADERS, host };
  if (code !== undefined && HEADER_LINE_ERRORS.has(code)) {
    const line = at >= 0 ? `: ${invalidLineText(packet!, at)}` : '';
    return { what: `client sent invalid header line${line}` + HEADERS, host };
  }
  return { what: 'client sent invalid request' };
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
  err: ParserError, socket: Socket, server: VirtualServer, conn: ConnectionState | undefined, errorLog: ErrorLog, core: HttpCore,
): void {
  const code = err.code;
  // The line of a refused (or in-flight) request is logged once the socket has closed.
  conn?.keepAddresses();
  const pending = responseOnSocket(socket);
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    if (errorLog.enabled('info')) errorLog.log('info', `*${conn?.id ?? 0} client timed out while reading client request headers, ${requestContext(socket.remoteAddress ?? '', server.serverName, '', undefined)}`);
    socket.destroy();
    return;
  }
  // A body error belongs to the request being answered (its body is not complete yet). An error
  // after that request's end is in the next pipelined one: answered once the response before it
  // is finished, as nginx answers pipelined requests in turn.
  const current = (pending as { ngts?: HttpRequest } | null | undefined)?.ngts;
  const inFlight = current !== undefined && !current.req.complete ? current : undefined;
  const queuedBehind = pending !== null && pending !== undefined && inFlight === undefined && !pending.writableFinished ? pending : undefined;
  // The client went away mid-request (HPE_INVALID_EOF_STATE): nothing to answer.
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'HPE_INVALID_EOF_STATE' || !socket.writable || (inFlight !== undefined && pending!.headersSent)) {
    socket.destroy();
    return;
  }
  const conf = server.level.conf;
  const status = code === 'HPE_HEADER_OVERFLOW' ? overflowStatus(err, conf.largeClientHeaderBuffers.size) : 400;
  const line = receivedLine(err, lineLimit(server));
  // A body error is logged at [error] with the request's context, as nginx does.
  const level = isChunkError(err) ? 'error' : 'info';
  if (errorLog.enabled(level)) {
    const refusal: Refusal = status === 414 ? { what: 'client sent too long URI' + LINE }
      : status === REQUEST_HEADER_TOO_LARGE ? { what: 'client sent too long header line' + HEADERS }
        : describe(err);
    let context = `client: ${socket.remoteAddress ?? ''}, server: ${server.serverName}`;
    if (inFlight) {
      context = requestContext(inFlight.conn.remoteAddress, inFlight.serverName, inFlight.requestLine, inFlight.req.headers);
    } else if (line !== '') {
      context += `, request: "${line}"`;
      if (refusal.host !== undefined) context += `, host: "${refusal.host}"`;
    }
    errorLog.log(level, `*${conn?.id ?? 0} ${refusal.what}, ${context}`);
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
  const answer = Buffer.concat([Buffer.from(head, 'latin1'), body]);
  const send = (): void => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(answer, () => {
      socket.destroy();
      if (r) logRequest(r, core);
    });
  };
  if (queuedBehind !== undefined) queuedBehind.once('finish', send);
  else send();
}

function lineLimit(server: VirtualServer): number {
  return server.level.conf.largeClientHeaderBuffers.size;
}

/** The request line as far as it was received (up to a CR or LF, as nginx), when the packet has it. */
function receivedLine(err: ParserError, limit: number): string {
  const packet = err.rawPacket;
  if (packet === undefined) return '';
  const at = typeof err.bytesParsed === 'number' ? refusedByte(err) : 0;
  const line = firstLine(packet, headStart(packet, at), limit);
  return /^[\x21-\x7e]/.test(line) ? line : '';
}

/**
 * nginx logs refused requests too ("FOO" 400 157): a request object with what is known, the
 * request line as far as it was received.
 */
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
