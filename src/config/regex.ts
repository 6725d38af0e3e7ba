// Regexes in the config are PCRE as nginx users write them; the runtime uses JavaScript's
// engine. The common PCRE-only spellings are translated, anything else must compile as-is,
// checked once at load so that a bad regex is a config error, never a request-time one.
import type { Directive } from './ast.js';
import { argError } from './errors.js';

/** Translates PCRE spellings that JavaScript lacks: (?P<name>…) and (?<name>…) both work. */
export function pcreToJs(source: string): string {
  return source.replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?<$1>');
}

/** Checks that a regex argument compiles; returns the JavaScript source to compile at runtime. */
export function compileConfigRegex(d: Directive, argIndex: number, source: string, flags: string): string {
  const js = pcreToJs(source);
  try {
    new RegExp(js, flags);
  } catch (e) {
    const reason = (e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '');
    throw argError(d, argIndex, `invalid regular expression "${source}": ${reason}`);
  }
  return js;
}
