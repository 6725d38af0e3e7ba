// Parse + validate a generated configuration of 5,000 server blocks with 4 locations each, as
// issue 2 asks: the figure is the median of several loads in one process (after one warm-up).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';

export function generateConfig(servers: number): string {
  const out: string[] = ['events { worker_connections 1024; }\nhttp {\n'];
  for (let i = 0; i < servers; i++) {
    out.push(`  server {
    listen 127.0.0.1:${10000 + (i % 50000)};
    server_name www${i}.example.com *.site${i}.example.org;
    root /var/www/site${i};
    location / { index index.html index.htm; try_files $uri $uri/ =404; }
    location /api/ { proxy_pass http://127.0.0.1:9000/; proxy_set_header Host $host; }
    location ~* "\\.(png|jpe?g|gif)$" { autoindex on; }
    location = /health { return 200 "ok\\n"; }
  }
`);
  }
  out.push('}\n');
  return out.join('');
}

export interface ParseFigures { bytes: number; medianMs: number; runs: number[] }

export function benchConfigParse(servers = 5000, runs = 5): ParseFigures {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ngts-bench-conf-'));
  try {
    const text = generateConfig(servers);
    fs.writeFileSync(path.join(dir, 'nginx.conf'), text);
    const load = () => loadConfig({ prefix: dir, confFile: 'nginx.conf' });
    const loaded = load();
    if (loaded.config.http!.servers.length !== servers) throw new Error('generated config did not load whole');
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      load();
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const sorted = [...times].sort((a, b) => a - b);
    return { bytes: Buffer.byteLength(text), medianMs: sorted[Math.floor(sorted.length / 2)], runs: times };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
