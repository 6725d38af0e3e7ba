// proxy_redirect: rewriting the Location and Refresh headers of upstream responses
// (ngx_http_proxy_rewrite_redirect). A text FROM is a case-sensitive prefix; ~ and ~* are
// regexes (unanchored) whose match replaces the whole value by TO, with captures $1…$9. `default` is proxy_pass's URL → the location.
// In Refresh only the part after "url=" is rewritten.

export interface RedirectRule {
  prefix?: string;
  regex?: RegExp;
  to: string;
}

export function compileRedirectRule(from: string, to: string): RedirectRule {
  if (from.startsWith('~*')) return { regex: new RegExp(from.slice(2), 'i'), to };
  if (from.startsWith('~')) return { regex: new RegExp(from.slice(1)), to };
  return { prefix: from, to };
}

/** The default rule nginx derives from proxy_pass and the location name. */
export function defaultRedirectRule(passUrlWithoutUri: string, passUri: string | undefined, location: string): RedirectRule {
  if (passUri !== undefined) return { prefix: passUrlWithoutUri + passUri, to: location };
  return { prefix: passUrlWithoutUri + '/', to: '/' };
}

/** The rewritten value, or undefined when no rule applies (the header is passed as is). */
export function rewriteRedirect(rules: readonly RedirectRule[], value: string, refresh: boolean): string | undefined {
  let start = 0;
  if (refresh) {
    const at = value.toLowerCase().indexOf('url=');
    if (at < 0) return undefined;
    start = at + 4;
  }
  const head = value.slice(0, start);
  const rest = value.slice(start);
  for (const rule of rules) {
    if (rule.prefix !== undefined) {
      if (rest.startsWith(rule.prefix)) return head + rule.to + rest.slice(rule.prefix.length);
    } else if (rule.regex !== undefined) {
      const m = rule.regex.exec(rest);
      // A matching regex replaces the whole value (after "url=" in Refresh) with TO.
      if (m) return head + rule.to.replace(/\$(\d)/g, (_, d: string) => m[Number(d)] ?? '');
    }
  }
  return undefined;
}
