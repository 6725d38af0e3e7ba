// The proxy scenarios' backend when nginx is not installed: node:http answering every path with
// a 1 KiB body on each port given. Usage: node-backend.js PORT...
import http from 'node:http';

const body = Buffer.alloc(1024, 'b');
for (const port of process.argv.slice(2).map(Number)) {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 300_000;
  server.listen(port, '127.0.0.1');
}
