// nginx's built-in error pages (ngx_http_special_response.c) for the statuses the static module
// produces itself (412, 416), used when the HTTP core does not take them over through
// StaticContext.sendSpecialResponse. Byte for byte nginx's HTML, with ngts in the footer.
import type http from 'node:http';
import { NAME, NAME_VERSION } from '../version.js';

export const REASONS: Record<number, string> = {
  412: 'Precondition Failed',
  416: 'Requested Range Not Satisfiable',
};

const pages = new Map<string, Buffer>();

export function specialPage(status: number, serverTokens: boolean): Buffer {
  const key = `${status}${serverTokens ? '+' : '-'}`;
  let page = pages.get(key);
  if (page === undefined) {
    const title = `${status} ${REASONS[status]}`;
    page = Buffer.from(
      `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n` +
        `<hr><center>${serverTokens ? NAME_VERSION : NAME}</center>\r\n</body>\r\n</html>\r\n`,
    );
    pages.set(key, page);
  }
  return page;
}

/** Writes nginx's default page for `status` (headers set on res beforehand are kept). */
export function sendDefaultSpecialResponse(
  res: http.ServerResponse,
  status: number,
  head: boolean,
  serverTokens: boolean,
  beforeHeaders: (res: http.ServerResponse, status: number) => void,
): void {
  const page = specialPage(status, serverTokens);
  res.setHeader('Content-Type', 'text/html');
  res.setHeader('Content-Length', page.length);
  beforeHeaders(res, status);
  res.writeHead(status, REASONS[status]);
  res.end(head ? undefined : page);
}
