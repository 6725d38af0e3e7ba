// Balancing methods, table-driven, over the peer objects the handler uses. Expected values are
// nginx's own (the 5,1,1 sequence from ngx_http_upstream_round_robin.c's comment; ip_hash and
// hash values worked out by hand from nginx's formulas).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import zlib from 'node:zlib';
import type { BalancerConf, UpstreamPeerConf } from '../../src/config/types.js';
import { crc32 } from '../../src/proxy/balancers/crc32.js';
import { addressBytes } from '../../src/proxy/balancers/ip-hash.js';
import { releasePeer, resetPeerStates } from '../../src/proxy/peers.js';
import { Upstream } from '../../src/proxy/upstreams.js';

let counter = 0;
function peer(port: number, extra: Partial<UpstreamPeerConf> = {}): UpstreamPeerConf {
  return { address: `127.0.0.1:${port}`, server: `127.0.0.1:${port}`, host: '127.0.0.1', port, weight: 1, maxFails: 1, failTimeout: 10_000, backup: false, down: false, ...extra };
}
function upstream(peers: UpstreamPeerConf[], balancer: BalancerConf = { method: 'round_robin' }): Upstream {
  return new Upstream(`u${counter++}`, peers, balancer, undefined, false);
}
/** Picks n times, releasing each peer at once (a request that succeeded). */
function sequence(up: Upstream, n: number, client = '10.0.0.1', key = '', now = 1_000_000): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const sel = up.select(client, key);
    const p = up.balancer.pick(sel, now);
    out.push(p ? String(p.port) : '-');
    if (p) releasePeer(p, 'ok', now);
  }
  return out;
}

test('smooth weighted round robin: weights 5,1,1 give a a b a c a a', () => {
  const up = upstream([peer(1, { weight: 5 }), peer(2), peer(3)]);
  assert.deepEqual(sequence(up, 14), ['1', '1', '2', '1', '3', '1', '1', '1', '1', '2', '1', '3', '1', '1']);
});

test('round robin with equal weights alternates; down peers are never used', () => {
  assert.deepEqual(sequence(upstream([peer(1), peer(2), peer(3)]), 6), ['1', '2', '3', '1', '2', '3']);
  assert.deepEqual(sequence(upstream([peer(1), peer(2, { down: true }), peer(3)]), 4), ['1', '3', '1', '3']);
});

test('backup peers serve only when every primary is unusable', () => {
  const up = upstream([peer(1, { down: true }), peer(2, { down: true }), peer(9, { backup: true })]);
  assert.deepEqual(sequence(up, 3), ['9', '9', '9']);
  const healthy = upstream([peer(1), peer(9, { backup: true })]);
  assert.deepEqual(sequence(healthy, 3), ['1', '1', '1']);
});

test('max_fails/fail_timeout: skipped for fail_timeout after max_fails failures, then tried again', () => {
  resetPeerStates();
  const up = upstream([peer(1, { maxFails: 2, failTimeout: 10_000 }), peer(2, { maxFails: 2, failTimeout: 10_000 })]);
  const t0 = 5_000_000;
  // Two failures of peer 1 within the window disable it.
  for (let i = 0; i < 2; i++) {
    const sel = up.select('', '');
    let p = up.balancer.pick(sel, t0)!;
    while (p.port !== 1) {
      releasePeer(p, 'ok', t0);
      p = up.balancer.pick(up.select('', ''), t0)!;
    }
    releasePeer(p, 'failed', t0 + i);
  }
  assert.deepEqual(sequence(up, 4, '', '', t0 + 5_000), ['2', '2', '2', '2']);
  // After fail_timeout it is tried again, and one success makes it a full member.
  const later = t0 + 10_002;
  const seq = sequence(up, 4, '', '', later);
  assert.ok(seq.includes('1'), `peer 1 back after fail_timeout: ${seq}`);
  assert.deepEqual(sequence(up, 4, '', '', later + 1).sort(), ['1', '1', '2', '2']);
});

test('a single peer (no backup) is used even after failures, as nginx ignores max_fails for it', () => {
  const up = upstream([peer(7)]);
  const sel = up.select('', '');
  const p = up.balancer.pick(sel, 1)!;
  releasePeer(p, 'failed', 1);
  assert.deepEqual(sequence(up, 2, '', '', 2), ['7', '7']);
});

test('a request never gets the same peer twice; then "no live upstreams"', () => {
  const up = upstream([peer(1), peer(2), peer(3)]);
  const sel = up.select('', '');
  const got = [up.balancer.pick(sel, 1), up.balancer.pick(sel, 1), up.balancer.pick(sel, 1)].map((p) => p!.port).sort();
  assert.deepEqual(got, [1, 2, 3]);
  assert.equal(up.balancer.pick(sel, 1), undefined);
});

test('ip_hash hashes the first three octets of IPv4 and all of IPv6', () => {
  assert.deepEqual(addressBytes('127.0.0.1'), [127, 0, 0]);
  assert.deepEqual(addressBytes('::ffff:10.1.2.3'), [10, 1, 2]);
  assert.equal(addressBytes('2001:db8::1').length, 16);
  assert.deepEqual(addressBytes('2001:db8::1').slice(0, 4), [0x20, 0x01, 0x0d, 0xb8]);
  // hash = 89; for each byte hash = (hash*113 + byte) % 6271 → 3913, 3199, 4040; 4040 % 3 = 2.
  const up = upstream([peer(1), peer(2), peer(3)], { method: 'ip_hash' });
  assert.deepEqual(sequence(up, 3, '127.0.0.1'), ['3', '3', '3']);
  // Same /24, same peer; the last octet does not count.
  assert.deepEqual(sequence(up, 2, '127.0.0.200'), ['3', '3']);
});

test('ip_hash rehashes from where it stopped when the peer is down', () => {
  // 127.0.0.x lands on index 2 (4040 % 3); it is down, so hashing goes on from 4040:
  // → 5510 (index 2 again), → 4957: 4957 % 3 = 1, peer 2.
  const up = upstream([peer(1), peer(2), peer(3, { down: true })], { method: 'ip_hash' });
  assert.deepEqual(sequence(up, 2, '127.0.0.1'), ['2', '2']);
});

test('crc32 is zlib\'s', () => {
  for (const s of ['', 'a', '/index.html', 'ключ']) assert.equal(crc32(s), zlib.crc32(Buffer.from(s)));
});

test('hash KEY: (crc32(key) >> 16) & 0x7fff over the weights, the same peer for the same key', () => {
  const up = upstream([peer(1), peer(2), peer(3)], { method: 'hash', key: '$request_uri', consistent: false });
  for (const key of ['/a', '/b', '/c', '/some/long/uri?x=1']) {
    const expected = ((crc32(key) >>> 16) & 0x7fff) % 3 + 1;
    assert.deepEqual(sequence(up, 3, '', key), [String(expected), String(expected), String(expected)], key);
  }
});

test('consistent hash: adding a peer moves about 1/N of the keys, all of them to the new peer', () => {
  const three = upstream([peer(1), peer(2), peer(3)], { method: 'hash', key: '$request_uri', consistent: true });
  const four = upstream([peer(1), peer(2), peer(3), peer(4)], { method: 'hash', key: '$request_uri', consistent: true });
  let moved = 0;
  const keys = 2000;
  for (let i = 0; i < keys; i++) {
    const key = `/object/${i}`;
    const a = sequence(three, 1, '', key)[0];
    const b = sequence(four, 1, '', key)[0];
    if (a !== b) {
      moved++;
      assert.equal(b, '4', `key ${key} moved from ${a} to ${b}, not to the new peer`);
    }
  }
  const share = moved / keys;
  assert.ok(share > 0.15 && share < 0.35, `moved ${share} of the keys`);
});

test('least_conn: fewest active connections relative to weight, ties by round robin', () => {
  const up = upstream([peer(1), peer(2, { weight: 2 }), peer(3)], { method: 'least_conn' });
  const held = [];
  // With nothing in flight, the tie is broken by smooth weighted round robin (2 has weight 2).
  for (let i = 0; i < 4; i++) held.push(up.balancer.pick(up.select('', ''), 1)!);
  assert.deepEqual(held.map((p) => p.port), [2, 1, 3, 2]);
  // Now conns 1:1, 2:2, 3:1 — ratios equal (2/2 = 1/1); release peer 3: it has fewest.
  releasePeer(held[2], 'ok', 1);
  assert.equal(up.balancer.pick(up.select('', ''), 1)!.port, 3);
});

test('peer state is keyed by upstream name and address: a new generation finds it', () => {
  resetPeerStates();
  const conf = [peer(1, { maxFails: 1 }), peer(2, { maxFails: 1 })];
  const before = new Upstream('reloaded', conf, { method: 'round_robin' }, undefined, false);
  const sel = before.select('', '');
  const p = before.balancer.pick(sel, 100)!;
  releasePeer(p, 'failed', 100);
  const after = new Upstream('reloaded', conf, { method: 'round_robin' }, undefined, false);
  const other = p.port === 1 ? '2' : '1';
  assert.deepEqual(sequence(after, 3, '', '', 200), [other, other, other]);
  const elsewhere = new Upstream('another', conf, { method: 'round_robin' }, undefined, false);
  assert.equal(sequence(elsewhere, 2, '', '', 200).sort().join(), '1,2');
});

test('the same choices as nginx 1.22 (recorded from Debian\'s nginx with these exact servers)', () => {
  // upstream { server 127.0.0.1:35371; server 127.0.0.1:43643 weight=2; server 127.0.0.1:39383; }
  // (+ server 127.0.0.1:46365 for ch4); keys are $request_uri = /KIND/k0 … /KIND/k29.
  const [p1, p2, p3, p4] = [35371, 43643, 39383, 46365];
  const three = [peer(p1), peer(p2, { weight: 2 }), peer(p3)];
  const index = new Map([[p1, '1'], [p2, '2'], [p3, '3'], [p4, '4']]);
  const picks = (up: Upstream, client: string, key: string) => index.get(Number(sequence(up, 1, client, key)[0]));
  const keys = (prefix: string) => Array.from({ length: 30 }, (_, i) => `${prefix}k${i}`);
  const hash = upstream(three, { method: 'hash', key: '$request_uri', consistent: false });
  assert.equal(keys('/h/').map((k) => picks(hash, '', k)).join(' '), '1 3 2 2 2 2 3 1 3 1 2 2 3 1 1 3 2 2 2 2 1 3 2 2 2 2 3 1 3 1');
  const ch = upstream(three, { method: 'hash', key: '$request_uri', consistent: true });
  assert.equal(keys('/ch/').map((k) => picks(ch, '', k)).join(' '), '1 3 2 2 2 2 2 3 1 1 1 1 2 2 3 3 2 1 2 1 1 2 2 2 2 2 2 3 1 1');
  const ch4 = upstream([...three, peer(p4)], { method: 'hash', key: '$request_uri', consistent: true });
  assert.equal(keys('/ch4/').map((k) => picks(ch4, '', k)).join(' '), '3 4 2 2 1 4 3 1 2 2 3 4 3 2 2 1 1 1 2 4 2 4 2 1 1 2 4 1 4 1');
  const iph = upstream(three, { method: 'ip_hash' });
  const clients = ['127.0.0.1', '127.0.1.1', '127.0.2.1', '127.0.3.1', '127.0.4.1', '127.0.5.1', '127.0.6.1', '127.0.7.1', '127.1.0.1', '127.2.0.1'];
  assert.equal(clients.map((c) => picks(iph, c, '')).join(' '), '1 2 2 3 1 2 2 3 2 2');
});

test('consistent hash over unix-domain peers: the points of nginx 1.22 (recorded from Debian\'s nginx)', () => {
  // upstream { hash $request_uri consistent; server unix:/tmp/ngxu/s1.sock;
  //            server unix:/tmp/ngxu/s2.sock weight=2; server unix:/tmp/ngxu/s3.sock; }
  // nginx hashes a unix peer as its path without "unix:" and no port.
  const unixPeer = (n: number, extra: Partial<UpstreamPeerConf> = {}): UpstreamPeerConf => {
    const address = `unix:/tmp/ngxu/s${n}.sock`;
    // port: n only labels the peer in sequence()'s output; nginx hashes a socket's path alone.
    return { address, server: address, host: 'localhost', port: n, socketPath: `/tmp/ngxu/s${n}.sock`, weight: 1, maxFails: 1, failTimeout: 10_000, backup: false, down: false, ...extra };
  };
  const ch = upstream([unixPeer(1), unixPeer(2, { weight: 2 }), unixPeer(3)], { method: 'hash', key: '$request_uri', consistent: true });
  const keys = Array.from({ length: 30 }, (_, i) => `/ch/k${i}`);
  assert.equal(keys.map((k) => sequence(ch, 1, '', k)[0]).join(' '), '2 3 1 2 2 1 2 2 2 2 1 3 2 3 1 1 1 3 3 1 2 3 1 2 2 1 2 2 2 2');
});
