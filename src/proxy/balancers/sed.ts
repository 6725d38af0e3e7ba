// LVS's Shortest Expected Delay scheduler (ip_vs_sed.c): the usable peer with the smallest
// (active + 1) / weight, compared as (a.conns + 1) * b.weight < (b.conns + 1) * a.weight so no
// division is done; on a tie the first peer in config order wins, as LVS scans its list. Then the
// backup peers, the same way. Connection counts are this worker's own (no shared zone).
import type { Balancer } from './balancer.js';
import type { PeerSelection } from '../peers.js';

export const shortestExpectedDelay: Balancer = {
  pick(sel, now) {
    for (;;) {
      const i = shortestDelayIndex(sel, now);
      if (i >= 0) return sel.choose(sel.group.peers[i], i, now);
      if (!sel.switchToBackup()) return undefined;
    }
  },
};

/** The index in the current group of the peer with the shortest expected delay, -1: none usable. */
export function shortestDelayIndex(sel: PeerSelection, now: number): number {
  const peers = sel.group.peers;
  let best = -1;
  for (let i = 0; i < peers.length; i++) {
    const peer = peers[i];
    if (sel.tried[i] || !peer.usable(now)) continue;
    if (best < 0) {
      best = i;
      continue;
    }
    const b = peers[best];
    if ((peer.state.conns + 1) * b.weight < (b.state.conns + 1) * peer.weight) best = i;
  }
  return best;
}
