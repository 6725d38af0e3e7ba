// The Node ceiling for static files: node:http answering every file of the docroot from a Buffer
// read at start-up (no fs call per request). Usage: buffer-server.js PORT DOCROOT
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const [port, docroot] = [Number(process.argv[2]), process.argv[3]];
const files = new Map<string, Buffer>();
for (const name of fs.readdirSync(docroot)) {
  const full = path.join(docroot, name);
  if (fs.statSync(full).isFile()) files.set(`/${name}`, fs.readFileSync(full));
}

const server = http.createServer((req, res) => {
  const body = files.get(req.url!);
  if (body === undefined) {
    res.writeHead(404, { 'Content-Length': 0 });
    res.end();
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
  res.end(body);
});
// nginx's keepalive_timeout in the bench conf: idle connections must survive the idle scenario.
server.keepAliveTimeout = 300_000;
server.maxConnections = 20_000;
server.listen(port, '127.0.0.1');
