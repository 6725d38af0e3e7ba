// Upstream peers and their per-worker state (nginx's ngx_http_upstream_rr_peer_t without a
// shared zone). The state outlives a configuration generation: it is kept in a registry keyed
// by upstream name + peer address, so a reloaded worker config finds the failure counts,
// active connections and health marks of the peers that still exist.
import type { UpstreamPeerConf } from '../config/types.js';

/** What changes at run time about one peer. Plain fields: balancers touch them on every request. */
export class PeerState {
  /** Failures counted since `checked` (nginx's fails). */
  fails = 0;
  /** When the last failure happened (ms). */
  accessed = 0;
  /** Start of the current fail_timeout window (ms). */
  checked = 0;
  /** Requests in flight to this peer from this worker (least_conn, sed, nq count these). */
  conns = 0;
  /** Smooth weighted round robin. */
  currentWeight = 0;
  effectiveWeight: number;
  /** Set by active health checks (issue 6): the master said this peer is down. */
  checkDown = false;
  /** Totals for status pages. */
  requests = 0;
  failures = 0;

  constructor(public weight: number) {
    this.effectiveWeight = weight;
  }
}

const registry = new Map<string, PeerState>();
/**
 * Health-check marks by key, whether or not the peer's state exists yet: the master's marks may
 * arrive before the configuration that creates the peer is compiled.
 */
const checkMarks = new Map<string, boolean>();

/** The state of peer `address` of upstream `upstream`, created on first use. */
export function peerState(upstream: string, address: string, weight: number): PeerState {
  const key = upstream + ' ' + address;
  let state = registry.get(key);
  if (state === undefined) {
    state = new PeerState(weight);
    state.checkDown = checkMarks.get(key) ?? false;
    registry.set(key, state);
  } else if (state.weight !== weight) {
    // A reload changed the weight: restart the smooth round robin for it.
    state.weight = weight;
    state.effectiveWeight = weight;
    state.currentWeight = 0;
  }
  return state;
}

/** For active health checks (issue 6): mark a peer up or down in this worker. */
export function setPeerCheckDown(upstream: string, address: string, down: boolean): void {
  const key = upstream + ' ' + address;
  checkMarks.set(key, down);
  const state = registry.get(key);
  if (state !== undefined) state.checkDown = down;
}

/** Every peer state of this worker, by "upstream address" (status pages add them up). */
export function peerStates(): ReadonlyMap<string, PeerState> {
  return registry;
}

/** Forget every peer's state (tests). */
export function resetPeerStates(): void {
  registry.clear();
  checkMarks.clear();
}

export class Peer {
  /** "127.0.0.1:9001", "unix:/run/app.sock": what $upstream_addr and the error log show. */
  readonly name: string;
  /** The server address as written in the config (consistent hash points are built from it). */
  readonly server: string;
  readonly host: string;
  readonly port: number;
  /** A unix-domain socket peer ("unix:/path" in the config): its path; else undefined. */
  readonly socketPath: string | undefined;
  readonly weight: number;
  readonly maxFails: number;
  readonly failTimeout: number;
  /** `down` in the config: never used. */
  readonly down: boolean;
  readonly state: PeerState;

  /** @param keyed keep the state in the registry (false for a transient implicit upstream) */
  constructor(upstream: string, conf: UpstreamPeerConf, keyed = true) {
    this.name = conf.address;
    this.server = conf.server ?? conf.address;
    this.host = conf.host;
    this.port = conf.port;
    this.socketPath = conf.socketPath;
    this.weight = conf.weight;
    this.maxFails = conf.maxFails;
    this.failTimeout = conf.failTimeout;
    this.down = conf.down;
    this.state = keyed ? peerState(upstream, conf.address, conf.weight) : new PeerState(conf.weight);
  }

  /**
   * May this peer be chosen now? Not when marked down (config or health check), nor when it
   * failed max_fails times and fail_timeout has not passed since (max_fails=0: never skipped).
   */
  usable(now: number): boolean {
    if (this.down || this.state.checkDown) return false;
    const s = this.state;
    return !(this.maxFails !== 0 && s.fails >= this.maxFails && now - s.checked <= this.failTimeout);
  }
}

/** The primary peers or the backup peers of an upstream (nginx's ngx_http_upstream_rr_peers_t). */
export class PeerGroup {
  readonly totalWeight: number;

  constructor(readonly peers: readonly Peer[]) {
    let w = 0;
    for (const p of peers) w += p.weight;
    this.totalWeight = w;
  }

  /** The peer a hash falls on, each owning `weight` consecutive values (ip_hash and hash). */
  indexByWeight(hash: number): number {
    let w = hash % this.totalWeight;
    let p = 0;
    while (w >= this.peers[p].weight) {
      w -= this.peers[p].weight;
      p++;
    }
    return p;
  }
}

/** One request's walk over the peers (nginx's ngx_http_upstream_rr_peer_data_t). */
export class PeerSelection {
  /** The group being tried: primaries, then backups once no primary is usable. */
  group: PeerGroup;
  /** Indexes in `group` already tried by this request. */
  tried: boolean[];
  /** Attempts left (nginx's pc->tries: primaries + backups, then proxy_next_upstream_tries). */
  tries: number;
  /** ip_hash / hash: the running hash and rehash count. */
  hash = 0;
  rehash = 0;
  hashTries = 0;
  /** The peer last picked and its index in `group`. */
  current: Peer | undefined = undefined;
  currentIndex = -1;

  constructor(readonly primary: PeerGroup, readonly backup: PeerGroup | undefined, readonly clientAddress: string, readonly hashKey: string) {
    this.group = primary;
    this.tried = new Array<boolean>(primary.peers.length).fill(false);
    this.tries = primary.peers.length + (backup ? backup.peers.length : 0);
  }

  /** Moves to the backup peers (nginx: rrp->peers = peers->next, tried bits cleared). */
  switchToBackup(): boolean {
    if (this.backup === undefined || this.group === this.backup) return false;
    this.group = this.backup;
    this.tried = new Array<boolean>(this.backup.peers.length).fill(false);
    return true;
  }

  /** Records the choice: one more connection, the fail_timeout window restarted if it ended. */
  choose(peer: Peer, index: number, now: number): Peer {
    this.current = peer;
    this.currentIndex = index;
    this.tried[index] = true;
    peer.state.conns++;
    peer.state.requests++;
    if (now - peer.state.checked > peer.failTimeout) peer.state.checked = now;
    return peer;
  }
}

export type PeerOutcome = 'ok' | 'failed' | 'next';

/**
 * The request is done with `peer` (nginx's ngx_http_upstream_free_round_robin_peer). A failure
 * counts toward max_fails and lowers the effective weight; success after the fail window resets
 * the count. Returns true when this failure disabled the peer (nginx logs a warning then).
 */
export function releasePeer(peer: Peer, outcome: PeerOutcome, now: number): boolean {
  const s = peer.state;
  s.conns--;
  if (outcome === 'failed') {
    s.fails++;
    s.failures++;
    s.accessed = now;
    s.checked = now;
    let disabled = false;
    if (peer.maxFails !== 0) {
      s.effectiveWeight -= Math.floor(peer.weight / peer.maxFails);
      disabled = s.fails >= peer.maxFails;
    }
    if (s.effectiveWeight < 0) s.effectiveWeight = 0;
    return disabled;
  }
  if (s.accessed < s.checked) s.fails = 0;
  return false;
}
