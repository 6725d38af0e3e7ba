// nginx's `hash KEY` (ngx_http_upstream_get_hash_peer), compatible with Cache::Memcached:
// hash += (crc32([REHASH] KEY) >> 16) & 0x7fff, mapped onto the weights; a tried or unusable
// peer rehashes with the attempt number prefixed to the key, and after 20 rehashes (or with an
// empty key, or a single peer) the choice falls back to round robin.
import type { Balancer } from './balancer.js';
import { CRC32_INIT, crc32Final, crc32Update } from './crc32.js';
import { roundRobin } from './round-robin.js';

export const hashBalancer: Balancer = {
  init(sel) {
    sel.hash = 0;
    sel.rehash = 0;
  },
  pick(sel, now) {
    const group = sel.primary;
    if (sel.hashTries > 20 || group.peers.length < 2 || sel.hashKey === '') return roundRobin.pick(sel, now);
    const key = Buffer.from(sel.hashKey);
    for (;;) {
      let crc = CRC32_INIT;
      if (sel.rehash > 0) crc = crc32Update(crc, Buffer.from(String(sel.rehash)));
      crc = crc32Final(crc32Update(crc, key));
      sel.hash += (crc >>> 16) & 0x7fff;
      sel.rehash++;
      const p = group.indexByWeight(sel.hash);
      const peer = group.peers[p];
      if (!sel.tried[p] && peer.usable(now)) return sel.choose(peer, p, now);
      if (++sel.hashTries > 20) return roundRobin.pick(sel, now);
    }
  },
};
