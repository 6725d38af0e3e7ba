// LVS's sed and nq schedulers, table-driven: each row sets the peers' weights and active
// connections and expects the choice the LVS formulas give (sed: smallest (active+1)/weight,
// first on a tie; nq: the first idle peer, else sed).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BalancerConf, UpstreamPeerConf } from '../../src/config/types.js';
import { setPeerCheckDown } from '../../src/proxy/peers.js';
import { Upstream } from '../../src/proxy/upstreams.js';

let counter = 0;
function peer(port: number, weight: number, extra: Partial<UpstreamPeerConf> = {}): UpstreamPeerConf {
  return { address: `127.0.0.1:${port}`, server: `127.0.0.1:${port}`, host: '127.0.0.1', port, weight, maxFails: 1, failTimeout: 10_000, backup: false, down: false, ...extra };
}

interface Row { weights: number[]; conns: number[]; sed: number; nq: number; why: string }

// Peers are ports 1, 2, 3… in order; the expected values are the chosen port.
const rows: Row[] = [
  { weights: [1, 2, 3], conns: [0, 0, 0], sed: 3, nq: 1, why: 'all idle: sed takes 1/3, nq the first idle' },
  { weights: [1, 3], conns: [0, 2], sed: 1, nq: 1, why: 'sed tie 1/1 = 3/3: the first' },
  { weights: [1, 3], conns: [0, 3], sed: 1, nq: 1, why: '1/1 < 4/3' },
  { weights: [1, 3], conns: [1, 2], sed: 2, nq: 2, why: '2/1 > 3/3; nobody idle, nq falls back to sed' },
  { weights: [1, 3], conns: [0, 1], sed: 2, nq: 1, why: 'sed 1/1 > 2/3; nq prefers the idle peer' },
  { weights: [1, 2, 3], conns: [1, 0, 0], sed: 3, nq: 2, why: 'nq: the first idle one, not the heaviest' },
  { weights: [5, 1], conns: [4, 0], sed: 1, nq: 2, why: 'sed 5/5 = 1/1: the first; nq: the idle one' },
  { weights: [2, 2], conns: [3, 1], sed: 2, nq: 2, why: '4/2 > 2/2' },
];

function choose(method: 'sed' | 'nq', row: Row): number | undefined {
  const up = new Upstream(`lvs${counter++}`, row.weights.map((w, i) => peer(i + 1, w)), { method } as BalancerConf, undefined, false);
  up.primary.peers.forEach((p, i) => { p.state.conns = row.conns[i]; });
  return up.balancer.pick(up.select('', ''), 1_000_000)?.port;
}

for (const row of rows) {
  test(`weights ${row.weights} active ${row.conns}: sed → ${row.sed}, nq → ${row.nq} (${row.why})`, () => {
    assert.equal(choose('sed', row), row.sed);
    assert.equal(choose('nq', row), row.nq);
  });
}

for (const [method, expected] of [['sed', 'B B A B B B A'], ['nq', 'A B B B B B A']] as const) {
  test(`${method}, connections held: weights 1 and 3 from idle give ${expected}`, () => {
    const up = new Upstream(`lvs${counter++}`, [peer(1, 1), peer(2, 3)], { method }, undefined, false);
    const picks: string[] = [];
    for (let i = 0; i < 7; i++) picks.push(up.balancer.pick(up.select('', ''), 1_000_000)!.port === 1 ? 'A' : 'B');
    assert.equal(picks.join(' '), expected);
  });
}

test('sed and nq skip health-check-down peers, then serve from the backups, then none', () => {
  for (const method of ['sed', 'nq'] as const) {
    const name = `lvs${counter++}`;
    const up = new Upstream(name, [peer(1, 1), peer(2, 5), peer(9, 1, { backup: true })], { method }, undefined, false);
    setPeerCheckDown(name, '127.0.0.1:2', true);
    assert.equal(up.balancer.pick(up.select('', ''), 1_000_000)?.port, 1, method);
    setPeerCheckDown(name, '127.0.0.1:1', true);
    assert.equal(up.balancer.pick(up.select('', ''), 1_000_000)?.port, 9, method);
    setPeerCheckDown(name, '127.0.0.1:9', true);
    assert.equal(up.balancer.pick(up.select('', ''), 1_000_000), undefined, method);
  }
});
