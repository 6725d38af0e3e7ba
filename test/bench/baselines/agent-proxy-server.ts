// A proxy in bare node:http: http.request to the backend through a keep-alive agent, piped both
// ways. Usage: agent-proxy-server.js PORT BACKEND_PORT
import http from 'node:http';

const [port, backend] = [Number(process.argv[2]), Number(process.argv[3])];
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

const server = http.createServer((req, res) => {
  const upstream = http.request({
    host: '127.0.0.1', port: backend, method: req.method, path: req.url, headers: req.headers, agent,
  }, (up) => {
    res.writeHead(up.statusCode!, up.headers);
    up.pipe(res);
  });
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(upstream);
});
server.keepAliveTimeout = 300_000;
server.listen(port, '127.0.0.1');
