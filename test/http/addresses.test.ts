// The addresses of a connection ($server_addr, $server_port, $remote_addr, $remote_port) in a real
// worker, whose listening sockets come from the master: on a wildcard listen (the local address
// is the connection's own) and on a specific one, in a response and in the log line of a
// connection closed before it (return 444).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Ngts, freePort } from '../helpers/ngts.js';
import { request } from '../helpers/http-client.js';
import { RawClient } from '../helpers/raw.js';
import { waitFor } from '../helpers/wait.js';

/** Sends a request on a raw socket and resolves when the server closes it (444: no answer). */
async function closedRequest(port: number, target: string): Promise<{ text: string; localPort: number }> {
  const client = new RawClient(port);
  await client.connected;
  const localPort = client.socket.localPort!;
  client.write(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
  assert.equal(await client.ended, 'end', 'the server closes the connection');
  return { text: client.text, localPort };
}

/**
 * Asks for a large file, waits for its first bytes and stops reading (the response stays in
 * flight), then closes (FIN) or resets (RST) the connection. Resolves with its local port.
 */
async function abandonedRequest(port: number, target: string, reset: boolean): Promise<number> {
  const client = new RawClient(port, { countOnly: true });
  await client.connected;
  client.write(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
  await waitFor(() => client.received > 0, 'the start of the response');
  client.socket.pause();
  const localPort = client.socket.localPort!;
  if (reset) client.socket.resetAndDestroy();
  else client.destroy();
  return localPort;
}

test('connection addresses on a wildcard and on a specific listen, also logged after a 444', async (t) => {
  const [wildcard, specific] = [await freePort(), await freePort()];
  const locations = `location / { return 200 "$server_addr $server_port $remote_addr"; }
        location /close { return 444; }
        location /big.bin { root html; }`;
  const ngts = await Ngts.start({
    conf: `events {}
http {
    log_format addr '$server_addr $server_port $remote_addr $remote_port $request_uri $status';
    access_log logs/addr.log addr;
    server {
        listen ${wildcard};
        ${locations}
    }
    server {
        listen 127.0.0.1:${specific};
        ${locations}
    }
}
`,
    files: { 'html/big.bin': Buffer.alloc(32 * 1024 * 1024, 'a') },
  });
  t.after(() => ngts.cleanup());
  for (const port of [wildcard, specific]) {
    const r = await waitFor(() => request(port, '/').catch(() => undefined), `a response on port ${port}`);
    assert.equal(r.body, `127.0.0.1 ${port} 127.0.0.1`);
    const closed = await closedRequest(port, `/close?${port}`);
    assert.equal(closed.text, '', '444 answers nothing');
    const log = path.join(ngts.prefix, 'logs/addr.log');
    const line = await waitFor(() => fs.existsSync(log) && fs.readFileSync(log, 'utf8').split('\n').find((l) => l.includes(`/close?${port}`)),
      'the 444 log line');
    assert.equal(line, `127.0.0.1 ${port} 127.0.0.1 ${closed.localPort} /close?${port} 444`);
    // A response cut short by the client (closed or reset): logged with the addresses of a
    // socket that is gone.
    for (const reset of [false, true]) {
      const target = `/big.bin?${port}-${reset}`;
      const clientPort = await abandonedRequest(port, target, reset);
      const logged = await waitFor(() => fs.readFileSync(log, 'utf8').split('\n').find((l) => l.includes(target)),
        `the log line of ${target}`);
      assert.match(logged, new RegExp(`^127\\.0\\.0\\.1 ${port} 127\\.0\\.0\\.1 ${clientPort} \\S+ \\d+$`));
    }
  }
});
