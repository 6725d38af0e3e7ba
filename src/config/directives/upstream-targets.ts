// What nginx checks about upstream addresses once the http block is read
// (ngx_http_upstream_add, ngx_http_upstream_init_round_robin): a proxy_pass host that names an
// `upstream` block may not have a port; any other host, and every upstream `server` host, must
// resolve (nginx resolves names when it loads: "host not found in upstream"). Literal
// addresses and unix-domain sockets need nothing. The names of one configuration are looked up
// together, in one child process (node has no synchronous resolver), only when there are any.
import { spawnSync } from 'node:child_process';
import type { Directive } from '../ast.js';
import { argError } from '../errors.js';
import type { HttpDraft } from '../spec.js';

interface ProxyTarget {
  directive: Directive;
  host: string;
  port: number;
  noPort: boolean;
  literal: boolean;
}

interface ServerHost {
  directive: Directive;
  host: string;
}

interface Pending {
  proxyTargets: ProxyTarget[];
  serverHosts: ServerHost[];
}

const pendingByHttp = new WeakMap<HttpDraft, Pending>();

function pending(http: HttpDraft): Pending {
  let p = pendingByHttp.get(http);
  if (p === undefined) {
    p = { proxyTargets: [], serverHosts: [] };
    pendingByHttp.set(http, p);
  }
  return p;
}

/** A proxy_pass without variables to a host (not a socket): checked at the end of the http block. */
export function noteProxyTarget(http: HttpDraft, directive: Directive, target: Omit<ProxyTarget, 'directive'>): void {
  pending(http).proxyTargets.push({ directive, ...target });
}

/** An upstream `server` that names a host to resolve. */
export function noteServerHost(http: HttpDraft, directive: Directive, host: string): void {
  pending(http).serverHosts.push({ directive, host });
}

/** The end of the http block: nginx's checks of upstream addresses, in nginx's order. */
export function checkUpstreamTargets(http: HttpDraft): void {
  const p = pendingByHttp.get(http);
  if (p === undefined) return;
  pendingByHttp.delete(http);
  const upstreamNames = new Set(Object.keys(http.upstreams).map((n) => n.toLowerCase()));
  const implicit: ProxyTarget[] = [];
  for (const t of p.proxyTargets) {
    if (!upstreamNames.has(t.host.toLowerCase())) {
      implicit.push(t);
    } else if (!t.noPort) {
      throw argError(t.directive, 0, `upstream "${t.host}" may not have port ${t.port}`);
    }
  }
  const names = [...p.serverHosts.map((s) => s.host), ...implicit.filter((t) => !t.literal).map((t) => t.host)];
  if (names.length === 0) return;
  const resolved = resolvableNames(names);
  // Upstream servers are resolved where nginx reads them, implicit upstreams after the block.
  for (const s of p.serverHosts) {
    if (!resolved.has(s.host)) throw argError(s.directive, 0, `host not found in upstream "${s.directive.args[0]}"`);
  }
  for (const t of implicit) {
    if (!t.literal && !resolved.has(t.host)) throw argError(t.directive, 0, `host not found in upstream "${t.host}"`);
  }
}

/** getaddrinfo as nginx calls it (any family, AI_ADDRCONFIG), for every name at once. */
const LOOKUP_SCRIPT = `
const dns = require('node:dns');
const names = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
Promise.all(names.map((n) => dns.promises.lookup(n, { all: true, hints: dns.ADDRCONFIG }).then((a) => a.length > 0, () => false)))
  .then((found) => process.stdout.write(JSON.stringify(found)));
`;

/** The names that resolve. If the lookup itself cannot run, every name is taken as resolvable. */
function resolvableNames(names: readonly string[]): Set<string> {
  const unique = [...new Set(names)];
  const r = spawnSync(process.execPath, ['-e', LOOKUP_SCRIPT], { input: JSON.stringify(unique), encoding: 'utf8', timeout: 60_000 });
  let found: unknown;
  try {
    found = r.status === 0 ? JSON.parse(r.stdout) : undefined;
  } catch {
    found = undefined;
  }
  if (!Array.isArray(found) || found.length !== unique.length) return new Set(unique);
  return new Set(unique.filter((_, i) => found[i] === true));
}
