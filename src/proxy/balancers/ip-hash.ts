// nginx's ip_hash (ngx_http_upstream_get_ip_hash_peer): the first three octets of an IPv4
// client address (the whole 16 bytes of IPv6) hashed as hash = (hash * 113 + byte) % 6271 from
// 89, mapped onto the weights; a tried or unusable peer hashes again from where it stopped, and
// after 20 rehashes the choice falls back to round robin.
import type { Balancer } from './balancer.js';
import type { PeerSelection } from '../peers.js';
import { roundRobin } from './round-robin.js';
import { isIPv4, isIPv6 } from 'node:net';

export const ipHash: Balancer = {
  init(sel) {
    sel.hash = 89;
  },
  pick(sel, now) {
    const group = sel.primary;
    if (sel.hashTries > 20 || group.peers.length < 2 || sel.group !== group) return roundRobin.pick(sel, now);
    const addr = addressBytes(sel.clientAddress);
    let hash = sel.hash;
    for (;;) {
      for (let i = 0; i < addr.length; i++) hash = (hash * 113 + addr[i]) % 6271;
      const p = group.indexByWeight(hash);
      const peer = group.peers[p];
      if (!sel.tried[p] && peer.usable(now)) {
        sel.hash = hash;
        return sel.choose(peer, p, now);
      }
      if (++sel.hashTries > 20) return roundRobin.pick(sel, now);
    }
  },
};

const PSEUDO_ADDRESS = [0, 0, 0];

/**
 * The bytes nginx hashes. node reports IPv4 clients of a dual-stack socket as "::ffff:a.b.c.d";
 * nginx listening on IPv4 sees a.b.c.d, so the mapped form is hashed as IPv4.
 */
export function addressBytes(address: string): number[] {
  const v4 = address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
  if (isIPv4(v4)) return v4.split('.', 3).map(Number);
  if (isIPv6(address)) return ipv6Bytes(address);
  return PSEUDO_ADDRESS;
}

function ipv6Bytes(address: string): number[] {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const parse = (part: string | undefined): number[] => {
    if (!part) return [];
    const out: number[] = [];
    for (const group of part.split(':')) {
      if (group.includes('.')) {
        for (const octet of group.split('.')) out.push(Number(octet));
      } else {
        const v = parseInt(group, 16);
        out.push(v >> 8, v & 0xff);
      }
    }
    return out;
  };
  const a = parse(head);
  const b = parse(tail);
  return [...a, ...new Array<number>(16 - a.length - b.length).fill(0), ...b];
}

export type { PeerSelection };
