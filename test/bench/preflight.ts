// One request before a scenario's load: the server must answer what the scenario expects, or the
// bench would measure fast errors.
import http from 'node:http';

export interface PreflightResult { status: number; headers: http.IncomingHttpHeaders; bodyBytes: number }

export function preflight(url: string, method: string, headers: Record<string, string>): Promise<PreflightResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      let bodyBytes = 0;
      res.on('data', (c: Buffer) => { bodyBytes += c.length; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, bodyBytes }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to ${method} ${url} within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}
