// nginx's `hash KEY consistent` (ngx_http_upstream_chash), ketama-style and compatible with
// Cache::Memcached::Fast: each peer gets 160 points per unit of weight on a ring of crc32
// values, crc32(HOST \0 PORT PREV_HASH) with the server as written; a key maps to the first
// point at or after crc32(KEY). Adding a peer only moves the keys that land on its points
// (about 1/N of them). Peers with the same server name share points and are chosen among by
// smooth weighted round robin.
import type { Balancer } from './balancer.js';
import { CRC32_INIT, crc32, crc32Final, crc32Update } from './crc32.js';
import type { Peer, PeerGroup } from '../peers.js';
import { roundRobin, smoothWeighted } from './round-robin.js';

interface Ring {
  hashes: Uint32Array;
  servers: string[];
}

/** Builds the ring once per upstream per configuration generation. */
export function consistentHash(group: PeerGroup): Balancer {
  const ring = buildRing(group.peers);
  return {
    init(sel) {
      sel.hash = findPoint(ring, crc32(sel.hashKey));
    },
    pick(sel, now) {
      if (sel.hashTries > 20 || group.peers.length < 2 || sel.hashKey === '' || sel.group !== group) {
        return roundRobin.pick(sel, now);
      }
      for (;;) {
        const server = ring.servers[sel.hash % ring.servers.length];
        const i = smoothWeighted(group, sel, now, server);
        if (i >= 0) return sel.choose(group.peers[i], i, now);
        sel.hash++;
        if (++sel.hashTries > 20) return roundRobin.pick(sel, now);
      }
    },
  };
}

function buildRing(peers: readonly Peer[]): Ring {
  const points: { hash: number; server: string }[] = [];
  const prev = Buffer.alloc(4);
  for (const peer of peers) {
    const { host, port } = splitServer(peer.server);
    let base = crc32Update(CRC32_INIT, Buffer.from(host));
    base = crc32Update(base, Buffer.from([0]));
    base = crc32Update(base, Buffer.from(port));
    prev.writeUInt32LE(0, 0);
    for (let j = 0; j < peer.weight * 160; j++) {
      const hash = crc32Final(crc32Update(base, prev));
      points.push({ hash, server: peer.server });
      prev.writeUInt32LE(hash, 0);
    }
  }
  points.sort((a, b) => a.hash - b.hash);
  const unique = points.filter((p, i) => i === 0 || p.hash !== points[i - 1].hash);
  return { hashes: Uint32Array.from(unique, (p) => p.hash), servers: unique.map((p) => p.server) };
}

/**
 * nginx splits "host:port" at the last colon only when digits follow it; a unix-domain server
 * hashes as its path, without "unix:", and no port.
 */
function splitServer(server: string): { host: string; port: string } {
  if (server.length >= 5 && server.slice(0, 5).toLowerCase() === 'unix:') return { host: server.slice(5), port: '' };
  const m = /^(.*):(\d*)$/.exec(server);
  return m ? { host: m[1], port: m[2] } : { host: server, port: '' };
}

/** Index of the first point whose hash is >= `hash` (may equal the length: it wraps by modulo). */
function findPoint(ring: Ring, hash: number): number {
  let i = 0;
  let j = ring.hashes.length;
  while (i < j) {
    const k = (i + j) >>> 1;
    if (hash > ring.hashes[k]) i = k + 1;
    else if (hash < ring.hashes[k]) j = k;
    else return k;
  }
  return i;
}
