// The proxy module's place in the HTTP core (nginx's ngx_http_proxy_module hooks): per
// configuration generation, one Upstreams and the `hash` key templates; per level with
// proxy_pass, the compiled ProxyLocation and its templates (proxy_pass with variables,
// proxy_set_header values); per request, a ProxyRequest that is the engine's plan, the holder of
// $proxy_host/$proxy_port and of the $upstream_* log, and the error-log context. The handler is
// the content handler of every level that has proxy_pass.
import type http from 'node:http';
import { DONE, defineHttpModule, type Generation, type LevelContext } from '../http/module.js';
import type { HttpCore } from '../http/phases.js';
import { absoluteLocation } from '../http/location-header.js';
import type { HttpRequest } from '../http/request.js';
import type { NgtsResponse } from '../http/response.js';
import { compileTemplate, type CompileOptions, type Template } from '../http/variables.js';
import type { ErrorLog } from '../log/error-log.js';
import { ProxyHandler, type ProxyDone, type ProxyErrorContext, type ProxyOutcome, type ProxyPlan, type UpstreamLogLevel } from './handler.js';
import { proxyAddXForwardedFor } from './headers.js';
import { compileProxyLocation, proxyHost, proxyPort, resolveUpstream, type ProxyLocation } from './location.js';
import { UpstreamLog } from './upstream-log.js';
import { Upstream, Upstreams } from './upstreams.js';
import { parseProxyPass, proxyPassError, upstreamUri, type ProxyPassUrl } from './uri.js';

/** What one configuration generation shares between its proxy locations. */
class ProxyGeneration {
  readonly upstreams: Upstreams;
  /** The `hash KEY` templates of the upstream blocks. */
  readonly hashKeys = new Map<Upstream, Template>();

  constructor(generation: Generation, templates: CompileOptions) {
    const confs = generation.config.http?.upstreams ?? {};
    this.upstreams = new Upstreams(confs);
    for (const name of Object.keys(confs)) {
      const up = this.upstreams.get(name)!;
      if (up.hashKey !== undefined) this.hashKeys.set(up, compileTemplate(up.hashKey, templates));
    }
    generation.onRetire.push(() => this.upstreams.retire());
  }
}

/** A level's proxy_pass, compiled once per generation. */
interface CompiledProxy {
  readonly location: ProxyLocation;
  readonly generation: ProxyGeneration;
  /** proxy_pass when it has variables. */
  readonly pass: Template | undefined;
  /** proxy_set_header values, in location.setHeaders's order. */
  readonly headers: readonly Template[];
  /** Whether an evaluated Upgrade header may turn an upgrade request into a tunnel. */
  readonly setsUpgrade: boolean;
}

function compileLevel({ conf, location, templates, generation }: LevelContext): CompiledProxy | undefined {
  if (conf.proxyPass === undefined || location === undefined) return undefined;
  const gen = proxyHttpModule.generationState(generation, () => new ProxyGeneration(generation, templates));
  const pl = compileProxyLocation(conf, location, gen.upstreams);
  if (pl === undefined) return undefined;
  return {
    location: pl,
    generation: gen,
    pass: pl.hasVariables ? compileTemplate(pl.passTemplate, templates) : undefined,
    headers: pl.setHeaders.map((h) => compileTemplate(h.value, templates)),
    setsUpgrade: pl.setHeaders.some((h) => h.lower === 'upgrade'),
  };
}

/** One proxied request: the engine's plan, and what the core's variables and log read. */
class ProxyRequest implements ProxyPlan, ProxyErrorContext {
  location: ProxyLocation;
  pass: ProxyPassUrl;
  upstream: Upstream;
  uri = '';
  headerValues: string[] = [];
  hashKey = '';
  serverName: string;
  readonly upstreamLog = new UpstreamLog();
  readonly errorContext: ProxyErrorContext = this;
  maxBodySize: number;
  readonly done: ProxyDone;

  constructor(readonly r: HttpRequest, readonly core: HttpCore, pl: ProxyLocation, pass: ProxyPassUrl, upstream: Upstream) {
    this.location = pl;
    this.pass = pass;
    this.upstream = upstream;
    this.serverName = r.serverName;
    this.maxBodySize = r.level!.conf.clientMaxBodySize;
    this.done = (outcome) => this.finished(outcome);
  }

  /** proxy_pass_header Server: the upstream's Server header (when it sent one) stays. */
  beforeHeaders(res: http.ServerResponse): void {
    if (!this.location.hide.has('server')) (res as NgtsResponse).keepServerHeader = true;
  }

  absoluteRedirect(location: string): string {
    return absoluteLocation(this.r, location);
  }

  logUpstreamError(level: UpstreamLogLevel, message: string, upstream: string): void {
    this.core.logError(this.r, level, message, upstream);
  }

  logBodyTooLarge(size: number): void {
    this.core.logError(this.r, 'error', `client intended to send too large chunked body: ${size} bytes`);
  }

  private finished(outcome: ProxyOutcome): void {
    const r = this.r;
    if (outcome.kind !== 'failed') {
      // A tunnel's status is the upstream's answer (101, or what it said instead).
      if (r.upgradeHead !== undefined && outcome.kind === 'responded') r.status = outcome.status;
      return;
    }
    if (r.upgradeHead !== undefined) {
      // The engine answered on the raw socket (error_page cannot apply to a tunnel).
      r.status = outcome.status;
      return;
    }
    // nginx closes the connection after refusing a body it did not read.
    if (outcome.status === 413) r.res.shouldKeepAlive = false;
    try {
      this.core.finalize(r, outcome.status);
    } catch (e) {
      this.core.internalError(r.res, e);
    }
  }
}

function proxyState(r: HttpRequest): ProxyRequest | undefined {
  return proxyHttpModule.requestState(r);
}

let engine: ProxyHandler | undefined;

/** The worker's one ProxyHandler (made on first use, with the worker's error log). */
function proxyEngine(errorLog: ErrorLog): ProxyHandler {
  return (engine ??= new ProxyHandler(errorLog));
}

function proxyContent(r: HttpRequest, cp: CompiledProxy, core: HttpCore): number {
  const pl = cp.location;
  let pass = pl.pass;
  let upstream = pl.upstream;
  if (pass === undefined) {
    const url = cp.pass!.evaluate(r);
    pass = parseProxyPass(url);
    if (pass === undefined) {
      core.logError(r, 'error', proxyPassError(url));
      core.finalize(r, 500);
      return DONE;
    }
    upstream = resolveUpstream(pass, cp.generation.upstreams);
  }
  const p = new ProxyRequest(r, core, pl, pass, upstream!);
  proxyHttpModule.setRequestState(r, p);
  // The client's URI as received, unless an internal redirect changed it (nginx's
  // valid_unparsed_uri; a named location keeps it): then the normalized one, escaped again.
  const url = r.req.url ?? '';
  p.uri = upstreamUri(pass.uri, pl.hasVariables, pl.locationPrefix, {
    unparsed: r.validUnparsedUri && url.startsWith('/') ? url : undefined,
    uri: r.uri,
    args: r.args,
  });
  const headers = cp.headers;
  const values = p.headerValues;
  for (let i = 0; i < headers.length; i++) values.push(headers[i].evaluate(r));
  const hashKey = cp.generation.hashKeys.get(p.upstream);
  if (hashKey !== undefined) p.hashKey = hashKey.evaluate(r);
  const proxy = proxyEngine(core.errorLog);
  if (r.upgradeHead !== undefined && cp.setsUpgrade && upgradeSet(pl, values)) {
    r.status = 101;
    proxy.upgrade(r.req, r.socket, r.upgradeHead, p, p.done);
  } else {
    proxy.handle(r.req, r.res, p, p.done);
  }
  return DONE;
}

/** nginx tunnels only when the Upgrade header it sends has a value. */
function upgradeSet(pl: ProxyLocation, values: readonly string[]): boolean {
  const set = pl.setHeaders;
  for (let i = 0; i < set.length; i++) if (set[i].lower === 'upgrade' && values[i] !== '') return true;
  return false;
}

export const proxyHttpModule = defineHttpModule<CompiledProxy, ProxyRequest>({
  name: 'proxy',
  compileLevel,
  contentHandler: proxyContent,
  variables: {
    proxy_host: (r) => {
      const p = proxyState(r);
      return p === undefined ? '' : proxyHost(p.pass);
    },
    proxy_port: (r) => {
      const p = proxyState(r);
      return p === undefined ? '' : proxyPort(p.pass);
    },
    proxy_add_x_forwarded_for: (r) => proxyAddXForwardedFor(r.req),
    upstream_addr: (r) => proxyState(r)?.upstreamLog.addr ?? '',
    upstream_status: (r) => proxyState(r)?.upstreamLog.statusText ?? '',
    upstream_response_time: (r) => proxyState(r)?.upstreamLog.responseTime ?? '',
    upstream_connect_time: (r) => proxyState(r)?.upstreamLog.connectTime ?? '',
    upstream_header_time: (r) => proxyState(r)?.upstreamLog.headerTime ?? '',
  },
});
