// What nginx checks while reading a request's line and headers that node's parser lets through:
// the line and each header against large_client_header_buffers, the version, the target, one
// Host (validated), Transfer-Encoding. Fills r.uri, r.args and r.host, or says why nginx would
// refuse the request, in nginx's error-log words.
import { normalizeHost } from './host.js';
import type { HttpRequest } from './request.js';
import { REQUEST_HEADER_TOO_LARGE } from './special-response.js';
import { parseRequestTarget } from './uri.js';

export interface Refusal {
  status: number;
  message: string;
}

const LINE = ' while reading client request line';
const HEADERS = ' while reading client request headers';

/** `bufferSize`: large_client_header_buffers' size, the longest line nginx accepts. */
export function readRequestHead(r: HttpRequest, bufferSize: number): Refusal | undefined {
  const req = r.req;
  // nginx reads the request line into one large buffer: longer is "414 Request-URI Too Large".
  if (r.requestLineLength + 2 > bufferSize) return { status: 414, message: 'client sent too long URI' + LINE };
  // HTTP/0.9 ("GET /" followed by an empty line, as node's parser reads it) is refused: ngts
  // speaks HTTP/1.x only, where nginx would still answer 0.9 requests.
  if (req.httpVersionMajor === 0) return { status: 400, message: 'client sent invalid version' + LINE };
  if (req.httpVersionMajor > 1) return { status: 505, message: 'client sent invalid version' + LINE };
  const target = parseRequestTarget(req.url ?? '');
  if (target === undefined) return { status: 400, message: 'client sent invalid request' + LINE };
  r.uri = target.uri;
  r.args = target.args;

  // One pass over the raw headers: line sizes and Host count.
  const raw = req.rawHeaders;
  let firstHost = -1;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length + raw[i + 1].length + 4 > bufferSize) {
      // nginx quotes up to NGX_MAX_ERROR_STR - 300 bytes of the line.
      const quoted = (name + ': ' + raw[i + 1]).slice(0, 1748);
      return { status: REQUEST_HEADER_TOO_LARGE, message: `client sent too long header line: "${quoted}..."` + HEADERS };
    }
    if (name.length === 4 && name.toLowerCase() === 'host') {
      if (firstHost >= 0) {
        return {
          status: 400,
          message: `client sent duplicate host header: "${name}: ${raw[i + 1]}", previous value: "${raw[firstHost]}: ${raw[firstHost + 1]}"` + HEADERS,
        };
      }
      firstHost = i;
    }
  }
  const te = req.headers['transfer-encoding'];
  if (te !== undefined && te.toLowerCase() !== 'chunked') {
    return { status: 501, message: `client sent unknown "Transfer-Encoding": "${te}"` + HEADERS };
  }
  const hostHeader = target.host ?? req.headers.host;
  if (hostHeader !== undefined) {
    const host = normalizeHost(hostHeader);
    if (host === undefined) return { status: 400, message: 'client sent invalid host header' + HEADERS };
    r.host = host;
  } else if (req.httpVersionMinor >= 1) {
    return { status: 400, message: 'client sent HTTP/1.1 request without "Host" header' + HEADERS };
  }
  return undefined;
}
