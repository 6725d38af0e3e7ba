// Large files: streamed with backpressure (a paused client does not make the server read the
// file ahead), memory that does not grow with the file, ranges and multipart from disk, and the
// descriptor closed when the client goes away.
import { waitFor } from '../helpers/wait.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_LIMITS, openFileCache } from '../../src/content/open-file-cache.js';
import { startSite, type Site } from '../http/harness.js';

const MiB = 1024 * 1024;
const BIG = 1024 * MiB + 13; // sparse: costs no disk
const MEDIUM = 200 * MiB + 5;
/** Marker bytes at known offsets, to prove the stream sends the right bytes in the right place. */
const MARKERS = [0, 256 * 1024 - 1, 256 * 1024, 7 * MiB + 3];

let site: Site;

function makeSparse(file: string, size: number): void {
  fs.writeFileSync(file, '');
  fs.truncateSync(file, size);
  const fd = fs.openSync(file, 'r+');
  for (const at of [...MARKERS, size - 1]) fs.writeSync(fd, Buffer.from([0x41 + (at % 26)]), 0, 1, at);
  fs.closeSync(fd);
}

function expectedByte(at: number, size: number): number {
  return MARKERS.includes(at) || at === size - 1 ? 0x41 + (at % 26) : 0;
}

/** Bytes this process has read with read(2) and friends, from /proc/self/io. */
function rchar(): number {
  const m = /^rchar: (\d+)$/m.exec(fs.readFileSync('/proc/self/io', 'utf8'));
  return Number(m![1]);
}

function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

/** A safety net for the waits below, not a timing: reaching it means the test failed. */
const WAIT_LIMIT_MS = 20_000;

before(async () => {
  openFileCache.limits = { ...DEFAULT_LIMITS };
  site = await startSite('server { listen 127.0.0.1:8080; root {{dir}}/html; }', { html: null });
  const root = path.join(site.dir, 'html');
  makeSparse(path.join(root, 'big.bin'), BIG);
  makeSparse(path.join(root, 'medium.bin'), MEDIUM);
});
after(() => site.close());

describe('large files', () => {
  it('streams a 200 MiB file completely and correctly without growing memory', async () => {
    const rssBefore = process.memoryUsage.rss();
    let peak = rssBefore;
    const { status, length, bad } = await new Promise<{ status: number; length: number; bad: number }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: site.port(), path: '/medium.bin', agent: false }, (res) => {
        let length = 0;
        let bad = 0;
        res.on('data', (chunk: Buffer) => {
          for (const at of [...MARKERS, MEDIUM - 1]) {
            if (at >= length && at < length + chunk.length && chunk[at - length] !== expectedByte(at, MEDIUM)) bad++;
          }
          length += chunk.length;
          peak = Math.max(peak, process.memoryUsage.rss());
        });
        res.on('end', () => resolve({ status: res.statusCode!, length, bad }));
        res.on('error', reject);
      }).on('error', reject);
    });
    assert.equal(status, 200);
    assert.equal(length, MEDIUM);
    assert.equal(bad, 0);
    // Client and server share this process; a buffered file would add 200 MiB.
    assert.ok(peak - rssBefore < 64 * MiB, `RSS grew by ${((peak - rssBefore) / MiB).toFixed(1)} MiB`);
  });

  it('reads ahead only a bounded amount for a client that does not read', async () => {
    const fdsBefore = openFds();
    const readBefore = rchar();
    const socket = net.connect(site.port(), '127.0.0.1');
    socket.pause();
    socket.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    // Wait until the server has stopped reading the file: over 10 polls, rchar grows only by
    // the few bytes the probe itself reads (a file read is a 256 KiB chunk).
    let last = -1;
    let stable = 0;
    await waitFor(() => {
      const now = rchar();
      stable = now - last < 16 * 1024 && now - readBefore > 1024 * 1024 ? stable + 1 : 0;
      last = now;
      return stable >= 10;
    }, 'the stream to stall', WAIT_LIMIT_MS);
    const readAhead = last - readBefore;
    // Socket buffers on loopback take a few MiB; the file is 1 GiB.
    assert.ok(readAhead < 64 * MiB, `read ${(readAhead / MiB).toFixed(1)} MiB ahead`);
    assert.ok(readAhead > 0);
    socket.destroy();
    // The file descriptor is released once the response closes.
    await waitFor(() => openFds() <= fdsBefore, 'descriptors to be released', WAIT_LIMIT_MS);
  });

  it('serves ranges and multipart from disk', async () => {
    const single = await site.get('/big.bin', { headers: { Range: `bytes=${256 * 1024 - 2}-${256 * 1024 + 1}` } });
    assert.equal(single.status, 206);
    assert.equal(single.headers['content-range'], `bytes ${256 * 1024 - 2}-${256 * 1024 + 1}/${BIG}`);
    assert.deepEqual([...Buffer.from(single.body, 'latin1')], [0, expectedByte(256 * 1024 - 1, BIG), expectedByte(256 * 1024, BIG), 0]);

    const multi = await site.get('/big.bin', { headers: { Range: 'bytes=0-1,-1' } });
    assert.equal(multi.status, 206);
    assert.equal(multi.headers['content-length'], String(multi.body.length));
    const text = multi.body;
    const boundary = /boundary=(\d{20})$/.exec(multi.headers['content-type']!)![1];
    assert.equal(
      text,
      `\r\n--${boundary}\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 0-1/${BIG}\r\n\r\n` +
        String.fromCharCode(expectedByte(0, BIG), 0) +
        `\r\n--${boundary}\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes ${BIG - 1}-${BIG - 1}/${BIG}\r\n\r\n` +
        String.fromCharCode(expectedByte(BIG - 1, BIG)) +
        `\r\n--${boundary}--\r\n`,
    );
  });

  it('answers HEAD and 304 for a large file without sending it', async () => {
    const head = await site.get('/big.bin', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(BIG));
    assert.equal(head.body.length, 0);
    const revalidated = await site.get('/big.bin', { headers: { 'If-None-Match': head.headers.etag! } });
    assert.equal(revalidated.status, 304);
  });
});
