// Holds N idle keep-alive connections to a server, for the memory scenario: each connection sends
// one request and reads its whole response, so that the server holds a real kept-alive connection,
// then stays open. Prints "ready N" when all are idle, closes them all when stdin closes.
// Runs as its own process so that the bench's fds and memory stay out of the picture.
// Usage: idle-client.js PORT PATH COUNT
import net from 'node:net';

const [port, urlPath, count] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4])];
const request = Buffer.from(`GET ${urlPath} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
const sockets: net.Socket[] = [];
const CONCURRENT_OPENS = 200;

function openOne(): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = Buffer.alloc(0);
    s.once('error', reject);
    s.once('connect', () => s.write(request));
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = got.subarray(0, end).toString('latin1');
      const status = Number(head.slice(9, 12));
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? NaN);
      if (status !== 200 || Number.isNaN(length)) {
        reject(new Error(`unexpected response: ${head.split('\r\n')[0]}`));
        return;
      }
      if (got.length - end - 4 < length) return;
      s.off('data', onData);
      s.on('close', () => { if (!closing) { console.error('a held connection was closed by the server'); process.exitCode = 2; } });
      sockets.push(s);
      resolve();
    };
    s.on('data', onData);
  });
}

let closing = false;
let next = 0;
async function lane(): Promise<void> {
  while (next < count) {
    next++;
    await openOne();
  }
}

try {
  await Promise.all(Array.from({ length: CONCURRENT_OPENS }, lane));
} catch (e) {
  console.error(`idle client: ${(e as Error).message} after ${sockets.length} connections`);
  process.exit(1);
}
console.log(`ready ${sockets.length}`);
process.stdin.resume();
process.stdin.on('end', () => {
  closing = true;
  for (const s of sockets) s.destroy();
  process.exit(process.exitCode ?? 0);
});
