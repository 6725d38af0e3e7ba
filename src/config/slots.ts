// Shared argument handlers, like nginx's ngx_conf_set_*_slot: each parses one value, words the
// error as nginx does, and refuses a second setting at the same level ("is duplicate").
import type { Directive } from './ast.js';
import { argError, directiveError } from './errors.js';
import { parseFlag, parseNumber, parseSeconds, parseSize, parseTime } from './values.js';

/** Stores `value` under `key` unless this level set it already. */
export function setOnce<T extends object, K extends keyof T>(d: Directive, target: T, key: K, value: T[K]): void {
  if (target[key] !== undefined) throw directiveError(d, `"${d.name}" directive is duplicate`);
  target[key] = value;
}

export function flagArg(d: Directive, index = 0): boolean {
  const v = parseFlag(d.args[index]);
  if (v === undefined) {
    throw argError(d, index, `invalid value "${d.args[index]}" in "${d.name}" directive, it must be "on" or "off"`);
  }
  return v;
}

export function timeArg(d: Directive, index = 0): number {
  const v = parseTime(d.args[index]);
  if (v === undefined) throw argError(d, index, `"${d.name}" directive invalid value`);
  return v;
}

/** ngx_conf_set_sec_slot: whole seconds at least ("ms" is refused); the value in ms. */
export function secondsArg(d: Directive, index = 0): number {
  const v = parseSeconds(d.args[index]);
  if (v === undefined) throw argError(d, index, `"${d.name}" directive invalid value`);
  return v;
}

export function sizeArg(d: Directive, index = 0): number {
  const v = parseSize(d.args[index]);
  if (v === undefined) throw argError(d, index, `"${d.name}" directive invalid value`);
  return v;
}

export function numberArg(d: Directive, index = 0): number {
  const v = parseNumber(d.args[index]);
  if (v === undefined) throw argError(d, index, `"${d.name}" directive invalid number`);
  return v;
}

/** A path as nginx resolves it at load: relative to the prefix unless it starts with a variable. */
export function fullPath(prefix: string, p: string): string {
  if (p.startsWith('/') || p.startsWith('$')) return p;
  return prefix + '/' + p;
}
