// ngx_http_upstream_module: upstream blocks, their peers and the balancing method.
import { argError, directiveError } from '../errors.js';
import { ONE_OR_MORE, TAKE, type DirectiveSpec, type Scope } from '../spec.js';
import type { Directive } from '../ast.js';
import { numberArg } from '../slots.js';
import type { UpstreamConf, UpstreamPeerConf } from '../types.js';
import { parseNumber, parseTime } from '../values.js';
import { parseUpstreamAddress } from '../../proxy/upstream-url.js';
import { noteServerHost } from './upstream-targets.js';

const UNSUPPORTED_PEER_PARAMS = new Set(['max_conns', 'resolve', 'service', 'slow_start', 'route', 'drain']);

export const upstreamDirectives: DirectiveSpec[] = [
  {
    name: 'upstream', contexts: ['http'], args: TAKE(1), block: 'directives',
    handle(d, s) {
      const name = d.args[0];
      // nginx compares upstream names case-insensitively.
      const lower = name.toLowerCase();
      if (Object.keys(s.http!.upstreams).some((n) => n.toLowerCase() === lower)) throw directiveError(d, `duplicate upstream "${name}"`);
      const upstream: UpstreamConf = {
        name, peers: [], balancer: { method: 'round_robin' }, origin: { file: d.file, line: d.line },
      };
      s.walk(d.block!, { ...s, context: 'upstream', upstream });
      if (upstream.peers.length === 0) throw directiveError(d, 'no servers are inside upstream');
      s.http!.upstreams[name] = upstream;
    },
  },
  {
    name: 'server', contexts: ['upstream'], args: ONE_OR_MORE,
    handle(d, s) {
      const up = s.upstream!;
      const address = d.args[0];
      const a = parseUpstreamAddress(address, false, 80);
      if ('err' in a) throw argError(d, 0, `${a.err} in upstream "${address}"`);
      // A unix-domain peer ("unix:/path", all of it the path: no port, no URI) is named as written.
      const peer: UpstreamPeerConf = a.socketPath !== undefined
        ? { address, server: address, host: 'localhost', port: 0, socketPath: a.socketPath, weight: 1, maxFails: 1, failTimeout: 10_000, backup: false, down: false }
        : {
          address: a.noPort ? `${address}:80` : address,
          server: address,
          host: a.host === 'localhost' ? '127.0.0.1' : a.host,
          port: a.port,
          weight: 1, maxFails: 1, failTimeout: 10_000, backup: false, down: false,
        };
      if (!a.literal) noteServerHost(s.http!, d, a.host);
      for (let i = 1; i < d.args.length; i++) {
        const p = d.args[i];
        const eq = p.indexOf('=');
        const name = eq < 0 ? p : p.slice(0, eq);
        const value = eq < 0 ? '' : p.slice(eq + 1);
        const invalid = () => argError(d, i, `invalid parameter "${p}"`);
        if (name === 'weight') {
          const n = parseNumber(value);
          if (n === undefined || n < 1) throw invalid();
          peer.weight = n;
        } else if (name === 'max_fails') {
          const n = parseNumber(value);
          if (n === undefined) throw invalid();
          peer.maxFails = n;
        } else if (name === 'fail_timeout') {
          const t = parseTime(value);
          if (t === undefined) throw invalid();
          peer.failTimeout = t;
        } else if (p === 'backup') {
          if (up.balancer.method === 'ip_hash' || up.balancer.method === 'hash') {
            throw argError(d, i, 'balancing method does not support parameter "backup"');
          }
          peer.backup = true;
        } else if (p === 'down') peer.down = true;
        else if (UNSUPPORTED_PEER_PARAMS.has(name)) throw argError(d, i, `"${name}" parameter of the upstream "server" directive is not supported by ngts`);
        else throw invalid();
      }
      up.peers.push(peer);
    },
  },
  {
    name: 'ip_hash', contexts: ['upstream'], args: TAKE(0),
    handle(d, s) { setBalancer(d, s, { method: 'ip_hash' }); },
  },
  {
    name: 'least_conn', contexts: ['upstream'], args: TAKE(0),
    handle(d, s) { setBalancer(d, s, { method: 'least_conn' }); },
  },
  {
    // LVS's schedulers (beyond nginx): shortest expected delay, never queue.
    name: 'sed', contexts: ['upstream'], args: TAKE(0),
    handle(d, s) { setBalancer(d, s, { method: 'sed' }); },
  },
  {
    name: 'nq', contexts: ['upstream'], args: TAKE(0),
    handle(d, s) { setBalancer(d, s, { method: 'nq' }); },
  },
  {
    name: 'hash', contexts: ['upstream'], args: TAKE(1, 2),
    handle(d, s) {
      if (d.args[1] !== undefined && d.args[1] !== 'consistent') throw argError(d, 1, `invalid parameter "${d.args[1]}"`);
      setBalancer(d, s, { method: 'hash', key: d.args[0], consistent: d.args[1] === 'consistent' });
    },
  },
  {
    name: 'keepalive', contexts: ['upstream'], args: TAKE(1),
    handle(d, s) {
      if (s.upstream!.keepalive !== undefined) throw directiveError(d, '"keepalive" directive is duplicate');
      const n = numberArg(d);
      if (n < 1) throw argError(d, 0, `invalid value "${d.args[0]}" in "keepalive" directive`);
      s.upstream!.keepalive = n;
    },
  },
];

function setBalancer(d: Directive, s: Scope, balancer: UpstreamConf['balancer']): void {
  const up = s.upstream!;
  if (up.balancer.method !== 'round_robin') s.warn(d, 'load balancing method redefined');
  if ((balancer.method === 'ip_hash' || balancer.method === 'hash') && up.peers.some((p) => p.backup)) {
    throw directiveError(d, 'balancing method does not support parameter "backup"');
  }
  up.balancer = balancer;
}
