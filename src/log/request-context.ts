// The request's context that ends an HTTP error-log line, in nginx's order and words
// (ngx_http_log_error + ngx_http_log_error_handler + the upstream's log handler):
//   client: 127.0.0.1, server: srv, request: "GET /p HTTP/1.1", upstream: "http://b/p", host: "h", referrer: "r"
// The core, the proxy and the parser's refusals all end their lines with it.
import type { IncomingHttpHeaders } from 'node:http';

/**
 * `requestLine` '' (nothing of a request line received): the client and the server only, as
 * nginx stops there too. `headers` undefined: no request headers known (a refused request).
 */
export function requestContext(
  client: string, server: string, requestLine: string, headers: IncomingHttpHeaders | undefined, upstream?: string,
): string {
  let context = `client: ${client}, server: ${server}`;
  if (requestLine === '') return context;
  context += `, request: "${requestLine}"`;
  if (upstream !== undefined) context += `, upstream: "${upstream}"`;
  if (headers === undefined) return context;
  const host = headers.host;
  if (host !== undefined) context += `, host: "${host}"`;
  const referrer = headers.referer;
  if (referrer !== undefined) context += `, referrer: "${referrer}"`;
  return context;
}
