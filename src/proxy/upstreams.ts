// The runtime side of `upstream` blocks, built once per configuration generation: the peers
// (whose state lives on in peers.ts across generations), the balancing method, and the agent
// that keeps `keepalive N` idle connections per worker. A proxy_pass to a plain host:port gets
// an implicit one-peer upstream, as in nginx.
import { stopPooling } from '../node-internals.js';
import { UpstreamHttpAgent, UpstreamHttpsAgent } from './agent.js';
import type { UpstreamConf, UpstreamPeerConf } from '../config/types.js';
import type { Balancer } from './balancers/balancer.js';
import { consistentHash } from './balancers/consistent-hash.js';
import { hashBalancer } from './balancers/hash.js';
import { ipHash } from './balancers/ip-hash.js';
import { leastConn } from './balancers/least-conn.js';
import { Peer, PeerGroup, PeerSelection } from './peers.js';
import { neverQueue } from './balancers/nq.js';
import { roundRobin } from './balancers/round-robin.js';
import { shortestExpectedDelay } from './balancers/sed.js';

export class Upstream {
  readonly primary: PeerGroup;
  readonly backup: PeerGroup | undefined;
  readonly balancer: Balancer;
  /** The `hash` key template (variables evaluated by the caller), or undefined. */
  readonly hashKey: string | undefined;
  readonly httpAgent: UpstreamHttpAgent;
  readonly httpsAgent: UpstreamHttpsAgent;
  /** Idle connections kept per worker (`keepalive`), 0 when off. */
  readonly keepalive: number;

  constructor(readonly name: string, peers: readonly UpstreamPeerConf[], balancer: UpstreamConf['balancer'], keepalive: number | undefined, readonly implicit: boolean, keyed = true) {
    this.primary = new PeerGroup(peers.filter((p) => !p.backup).map((p) => new Peer(name, p, keyed)));
    const backups = peers.filter((p) => p.backup).map((p) => new Peer(name, p, keyed));
    this.backup = backups.length > 0 ? new PeerGroup(backups) : undefined;
    this.keepalive = keepalive ?? 0;
    this.hashKey = balancer.method === 'hash' ? balancer.key : undefined;
    this.balancer = balancerFor(balancer, this.primary);
    // Without `keepalive` nginx opens a connection per request; with it, up to N idle ones are
    // kept (most recently used first, as nginx's cache of idle connections).
    const agentOptions = {
      keepAlive: this.keepalive > 0,
      // The idle timeout of upstream sockets: nginx's keepalive_timeout for idle upstream
      // connections (60s), and the default of the proxy_*_timeout the handler sets per phase.
      idleTimeout: 60_000,
      maxFreeSockets: Math.max(this.keepalive, 1),
      scheduling: 'lifo' as const,
    };
    this.httpAgent = new UpstreamHttpAgent(agentOptions);
    this.httpsAgent = new UpstreamHttpsAgent(agentOptions);
  }

  /** nginx's "single" upstream: one primary peer, no backup (round robin ignores its failures). */
  get single(): boolean {
    return this.primary.peers.length === 1 && this.backup === undefined;
  }

  /** A fresh walk over the peers for one request. */
  select(clientAddress: string, hashKey: string): PeerSelection {
    const sel = new PeerSelection(this.primary, this.backup, clientAddress, hashKey);
    this.balancer.init?.(sel);
    return sel;
  }

  /**
   * The configuration generation is being replaced: idle connections close now, busy ones when
   * their request ends (requests in flight finish on the old generation).
   */
  retire(): void {
    for (const agent of [this.httpAgent, this.httpsAgent]) {
      stopPooling(agent);
      for (const sockets of Object.values(agent.freeSockets)) for (const s of sockets ?? []) s.destroy();
    }
  }
}

function balancerFor(conf: UpstreamConf['balancer'], primary: PeerGroup): Balancer {
  switch (conf.method) {
    case 'round_robin': return roundRobin;
    case 'ip_hash': return ipHash;
    case 'least_conn': return leastConn;
    case 'sed': return shortestExpectedDelay;
    case 'nq': return neverQueue;
    case 'hash': return conf.consistent ? consistentHash(primary) : hashBalancer;
  }
}

/** Every upstream of a configuration, by name, plus implicit ones made on demand. */
const MAX_IMPLICIT_UPSTREAMS = 1024;

export class Upstreams {
  private readonly byName = new Map<string, Upstream>();
  /** The upstream blocks by lowercased name: nginx matches a proxy_pass host to them case-insensitively. */
  private readonly blocks = new Map<string, Upstream>();
  private implicitCount = 0;

  constructor(confs: Readonly<Record<string, UpstreamConf>>) {
    for (const conf of Object.values(confs)) {
      const up = new Upstream(conf.name, conf.peers, conf.balancer, conf.keepalive, false);
      this.byName.set(conf.name, up);
      this.blocks.set(conf.name.toLowerCase(), up);
    }
  }

  /** The upstream block named `name` (in any case), if any. */
  get(name: string): Upstream | undefined {
    return this.blocks.get(name.toLowerCase());
  }

  /**
   * The implicit upstream for a proxy_pass host:port (nginx creates one per distinct address).
   * Kept, so a proxy_pass with variables that names the same host reuses its connections.
   */
  implicit(host: string, port: number): Upstream {
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    return this.byName.get(address) ?? this.addImplicit({
      address, server: address, host: host === 'localhost' ? '127.0.0.1' : host, port,
      weight: 1, maxFails: 1, failTimeout: 10_000, backup: false, down: false,
    });
  }

  /** The implicit upstream for `proxy_pass http://unix:/path…`; `name` is "unix:/path". */
  implicitSocket(name: string, socketPath: string): Upstream {
    return this.byName.get(name) ?? this.addImplicit({
      address: name, server: name, host: 'localhost', port: 0, socketPath,
      weight: 1, maxFails: 1, failTimeout: 10_000, backup: false, down: false,
    });
  }

  private addImplicit(peer: UpstreamPeerConf): Upstream {
    // A proxy_pass with variables may name any host: past a bound, targets are not kept
    // (nor their peer state), so the tables cannot grow without end.
    const keep = this.implicitCount < MAX_IMPLICIT_UPSTREAMS;
    const up = new Upstream(peer.address, [peer], { method: 'round_robin' }, undefined, true, keep);
    if (keep) {
      this.implicitCount++;
      this.byName.set(peer.address, up);
    }
    return up;
  }

  /** See Upstream.retire(): for a reload. */
  retire(): void {
    for (const up of this.byName.values()) up.retire();
  }
}
