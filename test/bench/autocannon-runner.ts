// Runs autocannon (when wrk is not installed) and prints the bench's LoadResult as JSON.
// autocannon is not a dependency of ngts: `npm install --no-save autocannon` to use this path.
import type { LoadOptions, LoadResult } from './load.js';

const o = JSON.parse(process.argv[2]) as LoadOptions;
let autocannon: (opts: object) => Promise<{
  requests: { total: number; average: number };
  latency: { p99: number };
  errors: number; timeouts: number; non2xx: number;
}>;
try {
  const name = 'autocannon';
  autocannon = ((await import(name)) as { default: typeof autocannon }).default;
} catch {
  console.error('neither wrk nor autocannon is installed: apt-get install wrk (or npm install --no-save autocannon)');
  process.exit(1);
}
const r = await autocannon({
  url: o.url, connections: o.connections, duration: o.seconds, method: o.method ?? 'GET', headers: o.headers ?? {},
});
const result: LoadResult = {
  requests: r.requests.total,
  requestsPerSec: r.requests.total / o.seconds,
  p99Ms: r.latency.p99,
  // autocannon counts 304 among non2xx; the bench's 304 scenario expects them.
  errors: r.errors + r.timeouts + (o.headers?.['If-None-Match'] ? 0 : r.non2xx),
};
console.log(JSON.stringify(result));
