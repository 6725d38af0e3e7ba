// The one HTTP client of the tests: a request on 127.0.0.1 with node's http client, the whole
// response read. Each request has a fresh connection unless an agent is given.
import http from 'node:http';

export interface RequestOptions {
  method?: string;
  headers?: http.OutgoingHttpHeaders;
  /** Written before the request ends (with a Transfer-Encoding: chunked header, as chunks). */
  body?: string | Buffer;
  /** A keep-alive agent to reuse connections; default: a fresh connection, closed after. */
  agent?: http.Agent | false;
  /** The client's source address (127.0.0.0/8 is all local). */
  localAddress?: string;
  /** A unix-domain socket to connect to instead of 127.0.0.1:port. */
  socketPath?: string;
}

export interface Reply {
  status: number;
  statusMessage: string;
  headers: http.IncomingHttpHeaders;
  /** Names and values as they came, in order. */
  rawHeaders: string[];
  /** The body decoded as UTF-8. */
  body: string;
  /** The body's bytes. */
  bytes: Buffer;
}

export function request(port: number, target = '/', options: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path: target, method: options.method ?? 'GET', headers: options.headers,
      agent: options.agent ?? false, localAddress: options.localAddress, socketPath: options.socketPath,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({
          status: res.statusCode!, statusMessage: res.statusMessage ?? '', headers: res.headers, rawHeaders: res.rawHeaders,
          body: bytes.toString('utf8'), bytes,
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
