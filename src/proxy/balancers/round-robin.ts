// nginx's smooth weighted round robin (ngx_http_upstream_get_peer): every usable peer gains its
// effective weight, the highest current weight wins and pays back the total. Weights 5,1,1 give
// a a b a c a a. When no primary is usable the backup peers are tried the same way.
import type { Balancer } from './balancer.js';
import type { Peer, PeerGroup, PeerSelection } from '../peers.js';

export const roundRobin: Balancer = {
  pick(sel, now) {
    // nginx's "single" upstream: one primary and no backup is used even after failures
    // (max_fails and fail_timeout are ignored for it); the tries left decide whether it is
    // asked again (only after a failed idle keep-alive connection).
    if (sel.group === sel.primary && sel.primary.peers.length === 1 && sel.backup === undefined) {
      const peer = sel.primary.peers[0];
      if (peer.down || peer.state.checkDown) return undefined;
      return sel.choose(peer, 0, now);
    }
    for (;;) {
      const i = smoothWeighted(sel.group, sel, now);
      if (i >= 0) return sel.choose(sel.group.peers[i], i, now);
      if (!sel.switchToBackup()) return undefined;
    }
  },
};

/**
 * Index of the peer smooth weighted round robin picks in `group`, or -1. With `server`, only the
 * peers written as that `server` line take part (the consistent hash's choice among them).
 */
export function smoothWeighted(group: PeerGroup, sel: PeerSelection, now: number, server?: string): number {
  const peers = group.peers;
  let best: Peer | undefined;
  let bestIndex = -1;
  let total = 0;
  for (let i = 0; i < peers.length; i++) {
    const peer = peers[i];
    if (sel.tried[i] || (server !== undefined && peer.server !== server) || !peer.usable(now)) continue;
    const s = peer.state;
    s.currentWeight += s.effectiveWeight;
    total += s.effectiveWeight;
    if (s.effectiveWeight < peer.weight) s.effectiveWeight++;
    if (best === undefined || s.currentWeight > best.state.currentWeight) {
      best = peer;
      bestIndex = i;
    }
  }
  if (best !== undefined) best.state.currentWeight -= total;
  return bestIndex;
}
