// Content-Type of a static file or of `return 200 "text"`, as ngx_http_set_content_type picks it
// for both: the extension of the URI (not of the file, so an alias can serve "/doc" from
// "/x/doc.html" as default_type), looked up in the location's `types {}` after lowercasing, else
// `default_type`.
//
// The lookup table is compiled once per `types` object (one per config generation and level),
// never per request. Without any `types` in the config, ngts asks the mime-types package where
// nginx would fall back to its three built-in types (html, gif, jpg): a deliberate difference.
import mime from 'mime-types';
import type { MergedLocConf } from '../config/types.js';

type TypeTable = Map<string, string>;

const compiled = new WeakMap<Record<string, string>, TypeTable>();
/** mime-types answers, memoized: extensions are few, and lookup() parses its argument as a path. */
const packageAnswers: TypeTable = new Map();

function tableFor(types: Record<string, string>): TypeTable {
  let table = compiled.get(types);
  if (table === undefined) {
    table = new Map(Object.entries(types));
    compiled.set(types, table);
  }
  return table;
}

function fromPackage(ext: string): string | undefined {
  let type = packageAnswers.get(ext);
  if (type === undefined) {
    const found = mime.lookup(ext);
    type = found === false ? '' : found;
    packageAnswers.set(ext, type);
  }
  return type === '' ? undefined : type;
}

/**
 * nginx's r->exten (ngx_http_set_exten): what follows the last "." of the last path segment,
 * unless that dot starts the segment (a dotfile has no extension). The scan stops at index 2,
 * as nginx's does.
 */
export function uriExtension(uri: string): string {
  for (let i = uri.length - 1; i > 1; i--) {
    const c = uri.charCodeAt(i);
    if (c === 0x2e /* . */ && uri.charCodeAt(i - 1) !== 0x2f /* / */) return uri.slice(i + 1);
    if (c === 0x2f) return '';
  }
  return '';
}

export function contentTypeFor(loc: MergedLocConf, uri: string): string {
  const ext = uriExtension(uri);
  if (ext === '') return loc.defaultType;
  const lower = ext.toLowerCase();
  const type = loc.types === null ? fromPackage(lower) : tableFor(loc.types).get(lower);
  return type ?? loc.defaultType;
}
