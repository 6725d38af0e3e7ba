// check_status's csv and json formats: Tengine's fields first, in Tengine's order, then ngts's
// own (weight, traffic, last check, response times). The JSON shape is documented in the README
// ("check_status JSON") and validated by test/health/status-schema.ts.
import type { PeerStatus, StatusSnapshot } from './snapshot.js';

export interface CheckStatusJson {
  servers: {
    total: number;
    generation: number;
    server: CheckStatusServer[];
  };
}

export interface CheckStatusServer {
  index: number;
  upstream: string;
  name: string;
  status: 'up' | 'down';
  rise: number;
  fall: number;
  type: 'tcp' | 'http';
  port: number;
  weight: number;
  backup: boolean;
  active: number;
  requests: number;
  failures: number;
  checks: number;
  last_check: string | null;
  last_ok: boolean | null;
  last_result: string;
  response_times_ms: number[];
}

export function serverRow(p: PeerStatus, index: number): CheckStatusServer {
  return {
    index, upstream: p.upstream, name: p.address, status: p.down ? 'down' : 'up', rise: p.rise, fall: p.fall,
    type: p.type, port: p.port, weight: p.weight, backup: p.backup, active: p.active, requests: p.requests,
    failures: p.failures, checks: p.checks, last_check: p.lastCheck ? new Date(p.lastCheck).toISOString() : null,
    last_ok: p.lastOk, last_result: p.lastResult, response_times_ms: p.responseTimes,
  };
}

export function checkStatusJson(s: StatusSnapshot): string {
  const json: CheckStatusJson = { servers: { total: s.peers.length, generation: s.generation, server: s.peers.map(serverRow) } };
  return JSON.stringify(json);
}

function csvField(v: string | number | boolean | null): string {
  const text = v === null ? '' : String(v);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Tengine's csv: index,upstream,name,status,rise,fall,type,port — then ngts's columns. */
export function checkStatusCsv(s: StatusSnapshot): string {
  return s.peers.map((p, i) => {
    const r = serverRow(p, i);
    return [r.index, r.upstream, r.name, r.status, r.rise, r.fall, r.type, r.port, r.weight, r.backup ? 'backup' : '',
      r.active, r.requests, r.failures, r.checks, r.last_check, r.last_ok === null ? '' : r.last_ok ? 'ok' : 'failed',
      r.last_result, r.response_times_ms.join(' ')].map(csvField).join(',') + '\n';
  }).join('');
}
