// check_status's HTML page: self-contained (no external asset), reloads itself every
// REFRESH_SECONDS, one row per checked peer, green when up and red when down, with an inline
// SVG sparkline of its recent check response times.
import { serverRow } from './check-status-text.js';
import type { StatusSnapshot } from './snapshot.js';

export const REFRESH_SECONDS = 5;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const SPARK_W = 120;
const SPARK_H = 24;

/** A polyline of `values` scaled to the box; an empty svg when there is nothing to draw. */
export function sparkline(values: readonly number[]): string {
  if (values.length === 0) return `<svg class="spark" width="${SPARK_W}" height="${SPARK_H}" role="img" aria-label="no response times"></svg>`;
  const max = Math.max(...values, 0.001);
  const step = values.length > 1 ? SPARK_W / (values.length - 1) : 0;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(SPARK_H - 2 - (v / max) * (SPARK_H - 4)).toFixed(1)}`).join(' ');
  const label = `response times ${values.join(', ')} ms`;
  return `<svg class="spark" width="${SPARK_W}" height="${SPARK_H}" viewBox="0 0 ${SPARK_W} ${SPARK_H}" role="img" aria-label="${escapeHtml(label)}">`
    + `<polyline fill="none" stroke="#333" stroke-width="1.5" points="${points}"/></svg>`;
}

export function checkStatusHtml(s: StatusSnapshot): string {
  const down = s.peers.filter((p) => p.down).length;
  const rows = s.peers.map((p, i) => {
    const r = serverRow(p, i);
    const cells = [
      r.index, r.upstream, r.name + (r.backup ? ' (backup)' : ''), r.status, r.rise, r.fall, r.type, r.port, r.weight,
      r.active, r.requests, r.failures, r.last_check ?? '', r.last_result,
    ].map((v) => `<td>${escapeHtml(String(v))}</td>`).join('');
    return `<tr class="${r.status}" data-peer="${escapeHtml(r.upstream + ' ' + r.name)}">${cells}<td>${sparkline(r.response_times_ms)}</td></tr>`;
  }).join('\n');
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<title>ngts upstream check status</title>
<style>
body { font-family: sans-serif; margin: 1em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #999; padding: 2px 6px; text-align: left; }
th { background: #ddd; }
tr.up { background: #c8f0c8; }
tr.down { background: #f4b6b6; }
</style></head>
<body>
<h1>Upstream check status</h1>
<p>Check upstream server number: <span id="total">${s.peers.length}</span>, generation: ${s.generation}, down: <span id="down">${down}</span>; refreshes every ${REFRESH_SECONDS}s</p>
<table>
<tr><th>Index</th><th>Upstream</th><th>Name</th><th>Status</th><th>Rise counts</th><th>Fall counts</th><th>Check type</th><th>Check port</th><th>Weight</th><th>Active</th><th>Requests</th><th>Failures</th><th>Last check</th><th>Last result</th><th>Response times</th></tr>
${rows}
</table>
</body></html>
`;
}
