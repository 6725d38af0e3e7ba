// nginx's built-in error pages for the statuses the static module produces itself (412, 416),
// used when the HTTP core does not take them over through StaticContext.sendSpecialResponse.
// The pages and reason phrases are the core's (src/http/special-response.ts).
import type http from 'node:http';
import { reasonPhrase, specialPage } from '../http/special-response.js';

/** Writes nginx's default page for `status` (headers set on res beforehand are kept). */
export function sendDefaultSpecialResponse(
  res: http.ServerResponse,
  status: 412 | 416,
  head: boolean,
  serverTokens: boolean,
  beforeHeaders: (res: http.ServerResponse, status: number) => void,
): void {
  const page = specialPage(status, serverTokens)!;
  res.setHeader('Content-Type', 'text/html');
  res.setHeader('Content-Length', page.length);
  beforeHeaders(res, status);
  res.writeHead(status, reasonPhrase(status));
  res.end(head ? undefined : page);
}
