// ngx_http_proxy_module: the directives that say where and how a location proxies.
import { argError, directiveError } from '../errors.js';
import { TAKE, type DirectiveSpec } from '../spec.js';
import { flagArg, fullPath, numberArg, setOnce, timeArg } from '../slots.js';
import { NEXT_UPSTREAM_NAMES } from '../../proxy/next-upstream.js';
import type { LocConf, ProxyHeaderConf, ProxyPassConf, ProxyRedirectConf } from '../types.js';
import { inherited, inheritedFromPrefix, inheritedUnset, notInherited, type ConfigModule } from '../fields.js';
import { parseUpstreamAddress } from '../../proxy/upstream-url.js';
import { noteProxyTarget } from './upstream-targets.js';

/** proxy_*_timeout: a time, once per level. */
function timeout(name: string, key: 'proxyConnectTimeout' | 'proxyReadTimeout' | 'proxySendTimeout' | 'proxyNextUpstreamTimeout'): DirectiveSpec {
  return {
    name, contexts: ['http', 'server', 'location'], args: TAKE(1),
    handle(d, s) { setOnce(d, s.loc!, key, timeArg(d)); },
  };
}

function flag(name: string, key: 'proxySslServerName' | 'proxySslVerify' | 'proxyPassRequestHeaders'): DirectiveSpec {
  return {
    name, contexts: ['http', 'server', 'location'], args: TAKE(1),
    handle(d, s) { setOnce(d, s.loc!, key, flagArg(d)); },
  };
}

/** proxy_hide_header / proxy_pass_header: a list per level (a level that sets any replaces all). */
function headerList(name: string, key: 'proxyHideHeaders' | 'proxyPassHeaders'): DirectiveSpec {
  return {
    name, contexts: ['http', 'server', 'location'], args: TAKE(1),
    handle(d, s) { ((s.loc as LocConf)[key] ??= []).push(d.args[0].toLowerCase()); },
  };
}

/** ngx_http_proxy_loc_conf_t's fields with nginx's defaults. */
export const proxyFields = {
  proxyPass: notInherited<ProxyPassConf>(),
  proxySetHeaders: inherited<ProxyHeaderConf[]>([]),
  /** Lowercased names, added to / removed from nginx's default hidden list (src/proxy/location.ts). */
  proxyHideHeaders: inheritedUnset<string[]>(),
  proxyPassHeaders: inheritedUnset<string[]>(),
  /** Unset: `proxy_redirect default`. */
  proxyRedirect: inheritedUnset<ProxyRedirectConf>(),
  proxyHttpVersion: inherited<'1.0' | '1.1'>('1.0'),
  proxyConnectTimeout: inherited(60_000),
  proxyReadTimeout: inherited(60_000),
  proxySendTimeout: inherited(60_000),
  /** proxy_next_upstream conditions as written ("error", "http_502", "off"…); unset: error timeout. */
  proxyNextUpstream: inheritedUnset<string[]>(),
  proxyNextUpstreamTries: inherited(0),
  proxyNextUpstreamTimeout: inherited(0),
  proxySslServerName: inherited(false),
  proxySslName: inheritedUnset<string>(),
  proxySslVerify: inherited(false),
  proxyPassRequestHeaders: inherited(true),
  proxyTempPath: inheritedFromPrefix((prefix) => prefix + '/proxy_temp'),
};

const proxyDirectives: DirectiveSpec[] = [
  {
    name: 'proxy_pass', contexts: ['location'], args: TAKE(1),
    handle(d, s) {
      const url = d.args[0];
      const loc = s.loc!;
      if (loc.proxyPass !== undefined) throw directiveError(d, '"proxy_pass" directive is duplicate');
      const proxyPass = { url, origin: { file: d.file, line: d.line } };
      // nginx checks nothing more of a URL with variables: it is evaluated per request.
      if (url.includes('$')) {
        loc.proxyPass = proxyPass;
        return;
      }
      const m = /^(https?):\/\//i.exec(url);
      if (!m) throw argError(d, 0, 'invalid URL prefix');
      const rest = url.slice(m[0].length);
      const a = parseUpstreamAddress(rest, true, m[1].length === 5 ? 443 : 80);
      if ('err' in a) throw argError(d, 0, `${a.err} in upstream "${rest}"`);
      const modifier = s.location!.modifier;
      if (a.uri !== '' && (modifier === '~' || modifier === '~*' || modifier === '@')) {
        throw directiveError(d, '"proxy_pass" cannot have URI part in location given by regular expression, or inside named location, or inside "if" statement, or inside "limit_except" block');
      }
      loc.proxyPass = proxyPass;
      if (a.socketPath === undefined) noteProxyTarget(s.http!, d, { host: a.host, port: a.port, noPort: a.noPort, literal: a.literal });
    },
  },
  {
    name: 'proxy_set_header', contexts: ['http', 'server', 'location'], args: TAKE(2),
    handle(d, s) { (s.loc!.proxySetHeaders ??= []).push({ name: d.args[0], value: d.args[1] }); },
  },
  headerList('proxy_hide_header', 'proxyHideHeaders'),
  headerList('proxy_pass_header', 'proxyPassHeaders'),
  {
    name: 'proxy_redirect', contexts: ['http', 'server', 'location'], args: TAKE(1, 2),
    handle(d, s) {
      const loc = s.loc!;
      const [from, to] = d.args;
      if (d.args.length === 1) {
        if (from === 'off') {
          if (loc.proxyRedirect !== undefined) throw directiveError(d, '"proxy_redirect" directive is duplicate');
          loc.proxyRedirect = { mode: 'off' };
          return;
        }
        if (from !== 'default') throw argError(d, 0, `invalid parameter "${from}"`);
      }
      if (loc.proxyRedirect?.mode === 'off') throw directiveError(d, '"proxy_redirect" directive is duplicate');
      if (loc.proxyRedirect === undefined) loc.proxyRedirect = { mode: 'rules', rules: [] };
      loc.proxyRedirect.rules.push(d.args.length === 1 ? 'default' : { from, to });
    },
  },
  {
    name: 'proxy_http_version', contexts: ['http', 'server', 'location'], args: TAKE(1),
    handle(d, s) {
      const v = d.args[0];
      if (v !== '1.0' && v !== '1.1') throw argError(d, 0, `invalid value "${v}" in "proxy_http_version" directive, it must be "1.0" or "1.1"`);
      setOnce(d, s.loc!, 'proxyHttpVersion', v);
    },
  },
  timeout('proxy_connect_timeout', 'proxyConnectTimeout'),
  timeout('proxy_read_timeout', 'proxyReadTimeout'),
  timeout('proxy_send_timeout', 'proxySendTimeout'),
  timeout('proxy_next_upstream_timeout', 'proxyNextUpstreamTimeout'),
  {
    name: 'proxy_next_upstream', contexts: ['http', 'server', 'location'], args: { min: 1, max: Infinity },
    handle(d, s) {
      d.args.forEach((a, i) => {
        if (NEXT_UPSTREAM_NAMES[a] === undefined) throw argError(d, i, `invalid value "${a}"`);
      });
      if (d.args.includes('off') && d.args.length > 1) throw argError(d, d.args.indexOf('off'), 'invalid value "off"');
      setOnce(d, s.loc!, 'proxyNextUpstream', [...d.args]);
    },
  },
  {
    name: 'proxy_next_upstream_tries', contexts: ['http', 'server', 'location'], args: TAKE(1),
    handle(d, s) { setOnce(d, s.loc!, 'proxyNextUpstreamTries', numberArg(d)); },
  },
  flag('proxy_ssl_server_name', 'proxySslServerName'),
  flag('proxy_ssl_verify', 'proxySslVerify'),
  flag('proxy_pass_request_headers', 'proxyPassRequestHeaders'),
  {
    name: 'proxy_ssl_name', contexts: ['http', 'server', 'location'], args: TAKE(1),
    handle(d, s) { setOnce(d, s.loc!, 'proxySslName', d.args[0]); },
  },
  {
    name: 'proxy_temp_path', contexts: ['http', 'server', 'location'], args: TAKE(1, 4),
    handle(d, s) { setOnce(d, s.loc!, 'proxyTempPath', fullPath(s.prefix, d.args[0])); },
  },
];

export const proxyModule: ConfigModule<typeof proxyFields> = { name: 'proxy', directives: proxyDirectives, fields: proxyFields };
