// The fastest proxy Node offers without a framework: undici's Pool.stream to the backend, which
// skips node:http's client. Usage: undici-proxy-server.js PORT BACKEND_PORT
import http from 'node:http';
import { Pool } from 'undici';

const [port, backend] = [Number(process.argv[2]), Number(process.argv[3])];
const pool = new Pool(`http://127.0.0.1:${backend}`, { connections: 64, pipelining: 1 });

const server = http.createServer((req, res) => {
  pool.stream(
    { path: req.url!, method: req.method as 'GET', headers: { host: req.headers.host ?? 'localhost' }, opaque: res },
    ({ statusCode, headers, opaque }) => {
      const out = opaque as http.ServerResponse;
      out.writeHead(statusCode, headers as http.OutgoingHttpHeaders);
      return out;
    },
  ).catch(() => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
});
server.keepAliveTimeout = 300_000;
server.listen(port, '127.0.0.1');
