// ngx_http_map_module at request time: each `map` block becomes a variable of its configuration
// generation, evaluated lazily (only when a template asks for it) and once per request, as
// nginx caches non-volatile map values. Matching is nginx's: the exact keys first, compared
// case-insensitively; then the regexes in the order written; else the default ("" if none).
import type { MapConf } from '../config/types.js';
import type { HttpRequest } from './request.js';
import { compileTemplate, type CompileOptions, type Template, type VariableGetter } from './variables.js';

/** Marks a map being evaluated: a map that refers to itself yields "" instead of recursing. */
const EVALUATING = Symbol('ngts.mapEvaluating');

interface CompiledMap {
  /** Its place in the request's map cache (r.mapValues). */
  readonly slot: number;
  source: Template | undefined;
  exact: Map<string, Template>;
  regexes: { regex: RegExp; value: Template }[];
  defaultValue: Template | undefined;
}

/**
 * Makes the getters of every map, then compiles their templates with `options` (which must
 * already hold these getters in options.variables, so that maps may use other maps).
 */
export function mapVariables(maps: readonly MapConf[]): { getters: Map<string, VariableGetter>; compile(options: CompileOptions): void } {
  const getters = new Map<string, VariableGetter>();
  const compiled: { conf: MapConf; map: CompiledMap }[] = [];
  for (const conf of maps) {
    const map: CompiledMap = { slot: compiled.length, source: undefined, exact: new Map(), regexes: [], defaultValue: undefined };
    compiled.push({ conf, map });
    getters.set(conf.variable, (r) => evaluateMap(r, map));
  }
  return {
    getters,
    compile(options) {
      const t = (s: string): Template => compileTemplate(s, options);
      for (const { conf, map } of compiled) {
        map.source = t(conf.source);
        for (const key of Object.keys(conf.exact)) map.exact.set(key, t(conf.exact[key]));
        map.regexes = conf.regexes.map((x) => ({ regex: new RegExp(x.source, x.caseless ? 'i' : ''), value: t(x.value) }));
        map.defaultValue = t(conf.defaultValue);
      }
    },
  };
}

function evaluateMap(r: HttpRequest, map: CompiledMap): string {
  const cache = (r.mapValues ??= []);
  const cached = cache[map.slot];
  if (typeof cached === 'string') return cached;
  if (cached === EVALUATING) return '';
  cache[map.slot] = EVALUATING;
  const value = lookup(r, map);
  cache[map.slot] = value;
  return value;
}

function lookup(r: HttpRequest, map: CompiledMap): string {
  const source = map.source!.evaluate(r);
  const exact = map.exact.get(source.toLowerCase());
  if (exact !== undefined) return exact.evaluate(r);
  if (source !== '') {
    for (const x of map.regexes) if (x.regex.test(source)) return x.value.evaluate(r);
  }
  return map.defaultValue!.evaluate(r);
}
