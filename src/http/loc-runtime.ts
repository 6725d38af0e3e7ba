// What one level (a location, or a server outside its locations) needs at request time, compiled
// once from its merged settings: templates for root/alias, return, try_files, error_page and
// add_header; the error pages by status; the access logs it writes to.
import type { Config, ErrorPageConf, ExpiresConf, LocationConf, MergedLocConf, ReturnConf } from '../config/types.js';
import type { AccessLogTarget } from './access-log.js';
import { NAME, NAME_VERSION } from '../version.js';
import { compileTemplate, type CompileOptions, type Template } from './variables.js';

export interface CompiledReturn {
  code: number;
  text: Template | undefined;
}

export type TryFilesFallback =
  | { kind: 'code'; code: number }
  | { kind: 'named'; name: string }
  | { kind: 'uri'; uri: Template };

export interface CompiledTryFiles {
  /** Each candidate; `directory` when written with a trailing "/" ($uri/). */
  candidates: { path: Template; directory: boolean }[];
  fallback: TryFilesFallback;
}

export interface CompiledErrorPage {
  overwrite: ErrorPageConf['overwrite'];
  uri: Template;
}

export interface CompiledHeader {
  name: string;
  value: Template;
  always: boolean;
}

/** How the request URI becomes a path (ngx_http_map_uri_to_path). */
export type PathMapping =
  | { kind: 'root'; root: Template }
  /** A prefix location's alias: the location's prefix is replaced by the alias. */
  | { kind: 'alias'; alias: Template; prefixLength: number }
  /** A regex location's alias: the alias (with captures) is the whole path. */
  | { kind: 'regex-alias'; alias: Template };

/**
 * One configuration generation as other modules see it while its levels compile: they keep
 * what they share across levels in `modules` (the proxy's upstreams) and register what must
 * happen when the generation is replaced (a reload, or the worker shutting down) in `onRetire`.
 */
export interface Generation {
  readonly config: Config;
  readonly modules: Record<string, unknown>;
  readonly onRetire: (() => void)[];
}

/** Provided by the runtime so that levels sharing a log file share one buffer. */
export interface LevelCompiler {
  templates: CompileOptions;
  generation: Generation;
  accessLogs(conf: MergedLocConf): AccessLogTarget[];
}

/**
 * Another module's per-level compilation (the proxy compiles proxy_pass, its headers and
 * templates here, once per level and config generation); the result is found in
 * level.extensions[name] by its content handler.
 */
export type LevelExtension = (conf: MergedLocConf, location: LocationConf | undefined, templates: CompileOptions, generation: Generation) => unknown;
const extensions: { name: string; compile: LevelExtension }[] = [];

export function registerLevelExtension(name: string, compile: LevelExtension): void {
  extensions.push({ name, compile });
}

export class LocRuntime {
  readonly path: PathMapping;
  readonly returnAction: CompiledReturn | undefined;
  readonly tryFiles: CompiledTryFiles | undefined;
  readonly errorPages: ReadonlyMap<number, CompiledErrorPage>;
  readonly addHeaders: readonly CompiledHeader[];
  readonly expires: ExpiresConf;
  readonly serverHeader: string;
  /**
   * Neither add_header nor expires: Server is the only header the header filter adds, so a
   * response given as a flat header list can be written as ['Server', …, ...list] in one go.
   */
  readonly onlyServerHeader: boolean;
  readonly accessLogs: readonly AccessLogTarget[];
  /** The location's name for messages ("/images/", "@fallback"); '' at server level. */
  readonly name: string;
  /** What registered modules compiled for this level (see registerLevelExtension). */
  readonly extensions: Record<string, unknown> = {};

  constructor(readonly conf: MergedLocConf, location: LocationConf | undefined, c: LevelCompiler, parent?: LocRuntime) {
    const t = (s: string) => compileTemplate(s, c.templates);
    this.name = location?.pattern ?? '';
    // A nested location without its own root/alias maps paths as its parent does (nginx keeps
    // the alias's prefix length from the location that set it).
    // (Compared by value: the Config reaches workers through JSON, so objects are not shared.)
    const inherited = parent !== undefined && parent.conf.root.path === conf.root.path && parent.conf.root.alias === conf.root.alias;
    this.path = inherited ? parent.path : mapping(conf, location, t);
    this.returnAction = conf.return ? compileReturn(conf.return, t) : undefined;
    this.tryFiles = conf.tryFiles ? compileTryFiles(conf.tryFiles, t) : undefined;
    const pages = new Map<number, CompiledErrorPage>();
    for (const page of conf.errorPages) {
      const compiled = { overwrite: page.overwrite, uri: t(page.uri) };
      // nginx keeps the first error_page naming a code.
      for (const code of page.codes) if (!pages.has(code)) pages.set(code, compiled);
    }
    this.errorPages = pages;
    this.addHeaders = conf.addHeaders.map((h) => ({ name: h.name, value: t(h.value), always: h.always }));
    this.expires = conf.expires;
    this.serverHeader = conf.serverTokens ? NAME_VERSION : NAME;
    this.onlyServerHeader = this.addHeaders.length === 0 && this.expires.kind === 'off';
    this.accessLogs = c.accessLogs(conf);
    for (const e of extensions) this.extensions[e.name] = e.compile(conf, location, c.templates, c.generation);
  }
}

function mapping(conf: MergedLocConf, location: LocationConf | undefined, t: (s: string) => Template): PathMapping {
  const root = conf.root;
  if (root.alias && location) {
    if (location.modifier === '~' || location.modifier === '~*') return { kind: 'regex-alias', alias: t(root.path) };
    return { kind: 'alias', alias: t(root.path), prefixLength: location.pattern.length };
  }
  return { kind: 'root', root: t(root.path.replace(/\/+$/, '') || '/') };
}

function compileReturn(ret: ReturnConf, t: (s: string) => Template): CompiledReturn {
  return { code: ret.code, text: ret.text !== undefined ? t(ret.text) : undefined };
}

function compileTryFiles(args: readonly string[], t: (s: string) => Template): CompiledTryFiles {
  const candidates = args.slice(0, -1).map((a) => ({
    path: t(a.endsWith('/') && a.length > 1 ? a.slice(0, -1) : a),
    directory: a.endsWith('/'),
  }));
  const last = args[args.length - 1];
  let fallback: TryFilesFallback;
  if (/^=\d+$/.test(last)) fallback = { kind: 'code', code: Number(last.slice(1)) };
  else if (last.startsWith('@')) fallback = { kind: 'named', name: last };
  else fallback = { kind: 'uri', uri: t(last) };
  return { candidates, fallback };
}
