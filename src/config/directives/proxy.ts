// ngx_http_proxy_module: the directives that say where and how a location proxies.
import { argError, directiveError } from '../errors.js';
import { TAKE, type DirectiveSpec } from '../spec.js';
import { fullPath, setOnce } from '../slots.js';

export const proxyDirectives: DirectiveSpec[] = [
  {
    name: 'proxy_pass', contexts: ['location'], args: TAKE(1),
    handle(d, s) {
      const url = d.args[0];
      const m = /^(https?):\/\/([^/]*)(.*)$/i.exec(url);
      if (!m && !url.startsWith('$')) throw argError(d, 0, 'invalid URL prefix');
      const loc = s.location!;
      const hasUri = m !== null && m[3] !== '' && !url.includes('$');
      if (hasUri && (loc.modifier === '~' || loc.modifier === '~*' || loc.modifier === '@')) {
        throw directiveError(d, '"proxy_pass" cannot have URI part in location given by regular expression, or inside named location, or inside "if" statement, or inside "limit_except" block');
      }
      setOnce(d, s.loc!, 'proxyPass', { url, origin: { file: d.file, line: d.line } });
    },
  },
  {
    name: 'proxy_set_header', contexts: ['http', 'server', 'location'], args: TAKE(2),
    handle(d, s) { (s.loc!.proxySetHeaders ??= []).push({ name: d.args[0], value: d.args[1] }); },
  },
  {
    name: 'proxy_temp_path', contexts: ['http', 'server', 'location'], args: TAKE(1, 4),
    handle(d, s) { setOnce(d, s.loc!, 'proxyTempPath', fullPath(s.prefix, d.args[0])); },
  },
];
