// nginx's status lines and built-in error pages (ngx_http_special_response.c), byte for byte,
// with "ngts" in the signature line. Pages are built once at startup, for both server_tokens.
import { NAME, NAME_VERSION } from '../version.js';

/** nginx's reason phrases where they differ from node's (e.g. "302 Moved Temporarily"). */
const REASONS: Record<number, string> = {
  100: 'Continue', 101: 'Switching Protocols',
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 206: 'Partial Content',
  301: 'Moved Permanently', 302: 'Moved Temporarily', 303: 'See Other', 304: 'Not Modified',
  307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  405: 'Not Allowed', 406: 'Not Acceptable', 408: 'Request Time-out', 409: 'Conflict', 410: 'Gone',
  411: 'Length Required', 412: 'Precondition Failed', 413: 'Request Entity Too Large',
  414: 'Request-URI Too Large', 415: 'Unsupported Media Type', 416: 'Requested Range Not Satisfiable',
  421: 'Misdirected Request', 429: 'Too Many Requests',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable', 504: 'Gateway Time-out', 505: 'HTTP Version Not Supported',
  507: 'Insufficient Storage',
};

/** The reason phrase nginx writes; '' for a code nginx does not know ("HTTP/1.1 299 "). */
export function reasonPhrase(status: number): string {
  return REASONS[status] ?? '';
}

/** nginx's internal code for "400 Request Header Or Cookie Too Large" (sent as 400). */
export const REQUEST_HEADER_TOO_LARGE = 494;

/** Titles of the built-in pages (the <title> line; the <h1> differs only for 494). */
const PAGE_TITLES: Record<number, string> = {
  301: '301 Moved Permanently', 302: '302 Found', 303: '303 See Other', 307: '307 Temporary Redirect',
  308: '308 Permanent Redirect',
  400: '400 Bad Request', 401: '401 Authorization Required', 402: '402 Payment Required', 403: '403 Forbidden',
  404: '404 Not Found', 405: '405 Not Allowed', 406: '406 Not Acceptable', 408: '408 Request Time-out',
  409: '409 Conflict', 410: '410 Gone', 411: '411 Length Required', 412: '412 Precondition Failed',
  413: '413 Request Entity Too Large', 414: '414 Request-URI Too Large', 415: '415 Unsupported Media Type',
  416: '416 Requested Range Not Satisfiable', 421: '421 Misdirected Request', 429: '429 Too Many Requests',
  494: '400 Request Header Or Cookie Too Large',
  500: '500 Internal Server Error', 501: '501 Not Implemented', 502: '502 Bad Gateway',
  503: '503 Service Temporarily Unavailable', 504: '504 Gateway Time-out', 505: '505 HTTP Version Not Supported',
  507: '507 Insufficient Storage',
};

function page(status: number, signature: string): Buffer {
  const title = PAGE_TITLES[status];
  // ngx_http_error_494_page: the h1 says 400, a second line says why.
  const heading = status === REQUEST_HEADER_TOO_LARGE
    ? '<center><h1>400 Bad Request</h1></center>\r\n<center>Request Header Or Cookie Too Large</center>\r\n'
    : `<center><h1>${title}</h1></center>\r\n`;
  return Buffer.from(
    `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n${heading}`
    + `<hr><center>${signature}</center>\r\n</body>\r\n</html>\r\n`,
    'latin1',
  );
}

const WITH_VERSION = new Map<number, Buffer>();
const WITHOUT_VERSION = new Map<number, Buffer>();
for (const code of Object.keys(PAGE_TITLES).map(Number)) {
  WITH_VERSION.set(code, page(code, NAME_VERSION));
  WITHOUT_VERSION.set(code, page(code, NAME));
}

/** The built-in page for a status, or undefined when nginx sends an empty body (418, 299…). */
export function specialPage(status: number, serverTokens: boolean): Buffer | undefined {
  return (serverTokens ? WITH_VERSION : WITHOUT_VERSION).get(status);
}

/** Statuses after which nginx closes the connection instead of keeping it alive. */
export function closesConnection(status: number): boolean {
  return status === 400 || status === 413 || status === 414 || status === 494 || status === 500 || status === 501
    || status === 505 || status === 408;
}

/** Statuses that carry add_header (without "always") and expires: nginx's "safe" list. */
export function isSafeStatus(status: number): boolean {
  switch (status) {
    case 200: case 201: case 204: case 206: case 301: case 302: case 303: case 304: case 307: case 308:
      return true;
    default:
      return false;
  }
}

export function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}
