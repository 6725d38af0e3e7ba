// The active health checker: runs once, in the master, for every peer of every upstream with a
// `check` directive. Each peer has its own probe loop (probe, wait `interval`, probe…); a peer
// goes down after `fall` consecutive failures and up after `rise` consecutive successes, as in
// Tengine's check module and keepalived's retry/delay_loop. Every transition is logged, runs
// check_notify, and is broadcast to the workers (onChange). State is keyed by upstream + address:
// a reload keeps what it knew of the peers that remain and starts new ones in default_down.
import type { Config, UpstreamCheckConf, UpstreamConf, UpstreamPeerConf } from '../config/types.js';
import { CHECK_DEFAULT_HTTP_SEND, CHECK_DEFAULT_EXPECT_ALIVE } from './defaults.js';
import { runNotify } from './notify.js';
import { peerKey, RESPONSE_TIMES, type PeerHealth, type PeerMark } from './peer-health.js';
import { probe, type ProbeTarget } from './probe.js';

export type CheckLog = (level: 'warn' | 'error', message: string) => void;

interface CheckedPeer {
  health: PeerHealth;
  check: UpstreamCheckConf;
  target: ProbeTarget;
  notify?: string;
  timer?: NodeJS.Timeout;
  /** Set once the peer left the configuration: its loop ends. */
  removed: boolean;
  probing: boolean;
}

export class HealthChecker {
  private readonly peers = new Map<string, CheckedPeer>();
  private stopped = false;
  /** Ends the probes in flight on stop(). */
  private readonly abort = new AbortController();

  constructor(private readonly log: CheckLog, private readonly onChange: () => void) {}

  /**
   * The marks a new generation of workers starts with: what is known of the peers it keeps,
   * default_down for the ones it adds. Called before it forks; configure() follows once it serves.
   */
  marksFor(config: Config): PeerMark[] {
    const marks: PeerMark[] = [];
    for (const { upstream, peer, check } of checkedPeers(config)) {
      const known = this.peers.get(peerKey(upstream.name, peer.address));
      marks.push({ upstream: upstream.name, address: peer.address, down: known ? known.health.down : check.defaultDown });
    }
    return marks;
  }

  /** Every peer's current mark (sent to all workers on each transition). */
  marks(): PeerMark[] {
    return [...this.peers.values()].map(({ health: h }) => ({ upstream: h.upstream, address: h.address, down: h.down }));
  }

  /** Every checked peer as the status page shows it, in configuration order. */
  snapshot(): PeerHealth[] {
    return [...this.peers.values()].map((p) => ({ ...p.health, responseTimes: [...p.health.responseTimes] }));
  }

  /** Checks the peers of `config` from now on: keeps known ones, starts new ones, stops removed ones. */
  configure(config: Config): void {
    if (this.stopped) return;
    const wanted = new Map<string, CheckedPeer>();
    for (const { upstream, peer, check } of checkedPeers(config)) {
      const key = peerKey(upstream.name, peer.address);
      const target: ProbeTarget = {
        // A unix-domain peer is probed on its socket: `port=` does not apply (port 0), as in Tengine.
        host: peer.host, port: peer.socketPath !== undefined ? 0 : check.port ?? peer.port, socketPath: peer.socketPath, timeout: check.timeout,
        http: check.type === 'http'
          ? { send: upstream.checkHttpSend ?? CHECK_DEFAULT_HTTP_SEND, alive: upstream.checkHttpExpectAlive ?? CHECK_DEFAULT_EXPECT_ALIVE }
          : undefined,
      };
      const known = this.peers.get(key);
      if (known) {
        known.check = check;
        known.target = target;
        known.notify = upstream.checkNotify;
        known.health.type = check.type;
        known.health.port = target.port;
        known.health.weight = peer.weight;
        known.health.backup = peer.backup;
        wanted.set(key, known);
        continue;
      }
      wanted.set(key, {
        health: {
          upstream: upstream.name, address: peer.address, down: check.defaultDown, type: check.type,
          port: target.port, weight: peer.weight, backup: peer.backup,
          rise: 0, fall: 0, checks: 0, lastCheck: 0, lastOk: null, lastResult: '', responseTimes: [],
        },
        check, target, notify: upstream.checkNotify, removed: false, probing: false,
      });
    }
    for (const [key, p] of this.peers) {
      if (wanted.has(key)) continue;
      p.removed = true;
      clearTimeout(p.timer);
    }
    this.peers.clear();
    for (const [key, p] of wanted) {
      this.peers.set(key, p);
      if (!p.probing && p.timer === undefined) this.run(p);
    }
  }

  /** Ends every probe loop (the master is exiting). */
  stop(): void {
    this.stopped = true;
    this.abort.abort();
    for (const p of this.peers.values()) {
      p.removed = true;
      clearTimeout(p.timer);
    }
  }

  private run(p: CheckedPeer): void {
    p.timer = undefined;
    if (p.removed || this.stopped) return;
    p.probing = true;
    void probe(p.target, this.abort.signal).then((result) => {
      p.probing = false;
      if (p.removed || this.stopped) return;
      this.record(p, result.ok, result.reason, result.ms);
      p.timer = setTimeout(() => this.run(p), p.check.interval);
    });
  }

  private record(p: CheckedPeer, ok: boolean, reason: string, ms: number): void {
    const h = p.health;
    h.checks++;
    h.lastCheck = Date.now();
    h.lastOk = ok;
    h.lastResult = reason;
    if (ok) {
      h.responseTimes.push(ms);
      if (h.responseTimes.length > RESPONSE_TIMES) h.responseTimes.shift();
      h.rise++;
      h.fall = 0;
      if (h.down && h.rise >= p.check.rise) this.transition(p, false, `${h.rise} successful checks`);
    } else {
      h.fall++;
      h.rise = 0;
      if (!h.down && h.fall >= p.check.fall) this.transition(p, true, `${h.fall} failed checks: ${reason}`);
    }
  }

  private transition(p: CheckedPeer, down: boolean, why: string): void {
    const h = p.health;
    h.down = down;
    this.log('warn', `upstream "${h.upstream}" peer ${h.address} is ${down ? 'down' : 'up'} (${why})`);
    if (p.notify !== undefined) runNotify(p.notify, down ? 'down' : 'up', h.upstream, h.address, this.log);
    this.onChange();
  }
}

/** The peers to check: every peer not marked `down` of every upstream with `check`. */
function* checkedPeers(config: Config): Generator<{ upstream: UpstreamConf; peer: UpstreamPeerConf; check: UpstreamCheckConf }> {
  for (const upstream of Object.values(config.http?.upstreams ?? {})) {
    const check = upstream.check;
    if (check === undefined) continue;
    for (const peer of upstream.peers) if (!peer.down) yield { upstream, peer, check };
  }
}

