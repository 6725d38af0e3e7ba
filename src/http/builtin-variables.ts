// The variables of nginx's http core and log modules that ngts provides. Importing this module
// registers them; other modules (proxy, map) register theirs the same way.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { httpDateNow, timeIso8601Now, timeLocalNow } from '../log/clock.js';
import { headerText } from '../node-internals.js';
import type { HttpRequest } from './request.js';
import { registerVariable, registerVariableFamily } from './variables.js';

const pid = String(process.pid);
const hostname = os.hostname();

function headerValue(v: string | string[] | number | undefined): string {
  if (v === undefined) return '';
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

/** Bytes of the response head: node's serialized header, or what client-error.ts wrote raw. */
function headerBytes(r: HttpRequest): number {
  if (r.rawHeadBytes > 0) return r.rawHeadBytes;
  return headerText(r.res)?.length ?? 0;
}

/** $body_bytes_sent: counted per response (NgtsResponse), so pipelined responses stay apart. */
function bodyBytesSent(r: HttpRequest): number {
  if (r.rawBodyBytes > 0) return r.rawBodyBytes;
  if (r.method === 'HEAD' || !r.res.headersSent) return 0;
  return (r.res as unknown as { ngtsBodyBytes?: number }).ngtsBodyBytes ?? 0;
}

export function bytesSent(r: HttpRequest): number {
  return headerBytes(r) + bodyBytesSent(r);
}

function requestLength(r: HttpRequest): number {
  const raw = r.req.rawHeaders;
  let n = r.requestLineLength + 2 + 2;
  for (let i = 0; i < raw.length; i += 2) n += raw[i].length + 2 + raw[i + 1].length + 2;
  const cl = Number(r.req.headers['content-length']);
  return n + (Number.isFinite(cl) ? cl : r.bodyBytes);
}

/** nginx's $remote_user: the user of "Authorization: Basic …". */
function remoteUser(r: HttpRequest): string {
  const auth = r.req.headers.authorization;
  if (!auth || !/^basic /i.test(auth)) return '';
  const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('latin1');
  const colon = decoded.indexOf(':');
  return colon < 0 ? '' : decoded.slice(0, colon);
}

/** nginx's ngx_http_arg: names compare case-insensitively, the value stays raw. */
function argValue(args: string, name: string): string {
  if (args === '') return '';
  const lower = name.toLowerCase();
  let start = 0;
  while (start <= args.length) {
    let end = args.indexOf('&', start);
    if (end < 0) end = args.length;
    const eq = args.indexOf('=', start);
    const keyEnd = eq >= 0 && eq < end ? eq : end;
    if (keyEnd - start === lower.length && args.slice(start, keyEnd).toLowerCase() === lower) {
      return keyEnd === end ? '' : args.slice(keyEnd + 1, end);
    }
    start = end + 1;
  }
  return '';
}

function cookieValue(header: string | undefined, name: string): string {
  if (!header) return '';
  const lower = name.toLowerCase();
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim().toLowerCase() === lower) return part.slice(eq + 1).trim();
  }
  return '';
}

/** A port as nginx prints it: none (unix-domain sockets) is empty. */
function portText(port: number): string {
  return port === 0 ? '' : String(port);
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

const table: Record<string, (r: HttpRequest) => string> = {
  remote_addr: (r) => r.conn.remoteAddress,
  remote_port: (r) => portText(r.conn.remotePort),
  remote_user: remoteUser,
  time_local: () => timeLocalNow(),
  time_iso8601: () => timeIso8601Now(),
  msec: () => seconds(Date.now()),
  request: (r) => r.requestLine,
  request_method: (r) => r.method,
  request_uri: (r) => r.req.url ?? '',
  uri: (r) => r.uri,
  document_uri: (r) => r.uri,
  args: (r) => r.args,
  query_string: (r) => r.args,
  is_args: (r) => (r.args !== '' ? '?' : ''),
  scheme: () => 'http',
  https: () => '',
  server_protocol: (r) => `HTTP/${r.req.httpVersion}`,
  host: (r) => r.host || r.serverName,
  hostname: () => hostname,
  server_name: (r) => r.serverName,
  server_addr: (r) => r.conn.localAddress,
  server_port: (r) => portText(r.conn.localPort),
  status: (r) => String(r.status || r.res.statusCode).padStart(3, '0'),
  body_bytes_sent: (r) => String(bodyBytesSent(r)),
  bytes_sent: (r) => String(bytesSent(r)),
  request_length: (r) => String(requestLength(r)),
  request_time: (r) => seconds(Date.now() - r.startMs),
  connection: (r) => String(r.conn.id),
  connection_requests: (r) => String(r.connectionRequests),
  pid: () => pid,
  content_length: (r) => r.req.headers['content-length'] ?? '',
  content_type: (r) => r.req.headers['content-type'] ?? '',
  cookie: (r) => r.req.headers.cookie ?? '',
  document_root: (r) => r.documentRoot(),
  request_filename: (r) => r.filePath,
  date_gmt: () => httpDateNow(),
  // 16 random bytes in hex, as nginx makes it; made once per request, when first asked for.
  request_id: (r) => (r.requestId ||= randomBytes(16).toString('hex')),
  request_completion: (r) => (r.res.writableFinished ? 'OK' : ''),
  pipe: () => '.',
};

/** Values made of digits, time and address characters or hex: no log escape ever changes them. */
const PLAIN = new Set([
  'remote_addr', 'remote_port', 'time_local', 'time_iso8601', 'msec', 'scheme', 'https', 'server_addr', 'server_port',
  'status', 'body_bytes_sent', 'bytes_sent', 'request_length', 'request_time', 'connection', 'connection_requests',
  'pid', 'date_gmt', 'request_id', 'request_completion', 'pipe',
]);

for (const [name, getter] of Object.entries(table)) registerVariable(name, getter, PLAIN.has(name));

registerVariableFamily('http_', (suffix) => {
  const name = suffix.toLowerCase().replace(/_/g, '-');
  return (r) => headerValue(r.req.headers[name]);
});
registerVariableFamily('sent_http_', (suffix) => {
  const name = suffix.toLowerCase().replace(/_/g, '-');
  return (r) => headerValue(r.res.getHeader(name));
});
registerVariableFamily('cookie_', (name) => (r) => cookieValue(r.req.headers.cookie, name));
registerVariableFamily('arg_', (name) => (r) => argValue(r.args, name));
