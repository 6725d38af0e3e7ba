// The bare http-proxy script issue 7 measures ngts's proxy against: one target, a keep-alive agent,
// nothing else. Usage: http-proxy-server.js PORT BACKEND_PORT
import http from 'node:http';
import httpProxy from 'http-proxy';

const [port, backend] = [Number(process.argv[2]), Number(process.argv[3])];
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const proxy = httpProxy.createProxyServer({ target: `http://127.0.0.1:${backend}`, agent });
proxy.on('error', (_err, _req, res) => {
  if (res instanceof http.ServerResponse && !res.headersSent) res.writeHead(502);
  res.end();
});

const server = http.createServer((req, res) => proxy.web(req, res));
server.keepAliveTimeout = 300_000;
server.listen(port, '127.0.0.1');
