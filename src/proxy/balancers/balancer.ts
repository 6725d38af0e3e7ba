// The one interface every balancing method implements (Caddy's selection policies, nginx's
// peer.get): pick the next peer for a request, or undefined when none is usable ("no live
// upstreams"). Releasing a peer is common to all methods (peers.ts releasePeer), so a method is
// only its choice. Active health checks (issue 6) act through PeerState.checkDown, which every
// method respects through Peer.usable(); LVS's sed and nq are more methods of this shape.
import type { PeerSelection, Peer } from '../peers.js';

export interface Balancer {
  /** Sets up the request's hash state before the first pick (nginx's init_peer). */
  init?(sel: PeerSelection): void;
  /** The next peer for this request, marked as chosen (PeerSelection.choose); undefined: none. */
  pick(sel: PeerSelection, now: number): Peer | undefined;
}
