// The naive Node static server: node:http + stat + fs.createReadStream per request.
// Usage: stream-server.js PORT DOCROOT
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const [port, docroot] = [Number(process.argv[2]), process.argv[3]];

const server = http.createServer((req, res) => {
  const file = path.join(docroot, path.normalize(decodeURIComponent(req.url!.split('?')[0])));
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) {
      res.writeHead(404, { 'Content-Length': 0 });
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': st.size });
    fs.createReadStream(file).pipe(res);
  });
});
server.keepAliveTimeout = 300_000;
server.listen(port, '127.0.0.1');
