// nginx's least_conn (ngx_http_upstream_get_least_conn_peer): the usable peer with the fewest
// active connections relative to its weight (conns_a * weight_b < conns_b * weight_a); peers
// that tie are chosen among by smooth weighted round robin. Then the backup peers, the same way.
// Connection counts are this worker's own, as in nginx without a shared zone.
import type { Balancer } from './balancer.js';
import type { Peer, PeerGroup, PeerSelection } from '../peers.js';

export const leastConn: Balancer = {
  pick(sel, now) {
    for (;;) {
      const i = fewestConnections(sel.group, sel, now);
      if (i >= 0) return sel.choose(sel.group.peers[i], i, now);
      if (!sel.switchToBackup()) return undefined;
    }
  },
};

function fewestConnections(group: PeerGroup, sel: PeerSelection, now: number): number {
  const peers = group.peers;
  let best: Peer | undefined;
  let bestIndex = -1;
  let many = false;
  for (let i = 0; i < peers.length; i++) {
    const peer = peers[i];
    if (sel.tried[i] || !peer.usable(now)) continue;
    if (best === undefined || peer.state.conns * best.weight < best.state.conns * peer.weight) {
      best = peer;
      bestIndex = i;
      many = false;
    } else if (peer.state.conns * best.weight === best.state.conns * peer.weight) {
      many = true;
    }
  }
  if (best === undefined) return -1;
  let total = 0;
  if (many) {
    const first = best;
    for (let i = bestIndex; i < peers.length; i++) {
      const peer = peers[i];
      if (sel.tried[i] || !peer.usable(now)) continue;
      if (peer.state.conns * first.weight !== first.state.conns * peer.weight) continue;
      const s = peer.state;
      s.currentWeight += s.effectiveWeight;
      total += s.effectiveWeight;
      if (s.effectiveWeight < peer.weight) s.effectiveWeight++;
      if (s.currentWeight > best.state.currentWeight) {
        best = peer;
        bestIndex = i;
      }
    }
  }
  best.state.currentWeight -= total;
  return bestIndex;
}
