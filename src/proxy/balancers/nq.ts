// LVS's Never Queue scheduler (ip_vs_nq.c): an idle peer (no active connection) is chosen at
// once, the first in config order; when none is idle, the shortest expected delay (sed.ts).
// Then the backup peers, the same way. Connection counts are this worker's own.
import type { Balancer } from './balancer.js';
import type { PeerSelection } from '../peers.js';
import { shortestDelayIndex } from './sed.js';

export const neverQueue: Balancer = {
  pick(sel, now) {
    for (;;) {
      let i = idleIndex(sel, now);
      if (i < 0) i = shortestDelayIndex(sel, now);
      if (i >= 0) return sel.choose(sel.group.peers[i], i, now);
      if (!sel.switchToBackup()) return undefined;
    }
  },
};

function idleIndex(sel: PeerSelection, now: number): number {
  const peers = sel.group.peers;
  for (let i = 0; i < peers.length; i++) {
    if (!sel.tried[i] && peers[i].state.conns === 0 && peers[i].usable(now)) return i;
  }
  return -1;
}
