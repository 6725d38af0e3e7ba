// What one level (a location, or a server outside its locations) needs at request time, compiled
// once from its merged settings: the core's templates for root/alias, try_files and error_page;
// the access logs it writes to; each configured module's state, its phase steps and filters.
import type { ErrorPageConf, LocationConf, MergedLocConf } from '../config/types.js';
import type { AccessLogTarget } from './access-log.js';
import { NAME, NAME_VERSION } from '../version.js';
import { compileTemplate, type CompileOptions, type Template } from './variables.js';
import { Phase, type Generation, type HeaderFilter, type AnyHttpModule, type HttpModule, type LevelContext, type PhaseHandler } from './module.js';

export type { Generation } from './module.js';

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

/** How the request URI becomes a path (ngx_http_map_uri_to_path). */
export type PathMapping =
  | { kind: 'root'; root: Template }
  /** A prefix location's alias: the location's prefix is replaced by the alias. */
  | { kind: 'alias'; alias: Template; prefixLength: number }
  /** A regex location's alias: the alias (with captures) is the whole path. */
  | { kind: 'regex-alias'; alias: Template };

/** Provided by the runtime so that levels sharing a log file share one buffer. */
export interface LevelCompiler {
  templates: CompileOptions;
  generation: Generation;
  /** The worker's modules, in order (src/http/modules.ts). */
  modules: readonly AnyHttpModule[];
  accessLogs(conf: MergedLocConf): AccessLogTarget[];
}

/** One handler of one module at one level, with that module's state there. */
export interface PhaseStep {
  readonly phase: Phase;
  readonly module: HttpModule;
  readonly handler: PhaseHandler<unknown>;
  readonly state: unknown;
  /** The index of the first step of the next phase (where OK jumps). */
  nextPhase: number;
}

export interface FilterStep {
  readonly filter: HeaderFilter<unknown>;
  readonly state: unknown;
}

export class LocRuntime {
  readonly path: PathMapping;
  readonly tryFiles: CompiledTryFiles | undefined;
  readonly errorPages: ReadonlyMap<number, CompiledErrorPage>;
  readonly serverHeader: string;
  readonly accessLogs: readonly AccessLogTarget[];
  /** The location's name for messages ("/images/", "@fallback"); '' at server level. */
  readonly name: string;
  /** Each module's state at this level, by module id; undefined where it is not configured. */
  readonly moduleState: unknown[] = [];
  /**
   * The phase handlers of the modules configured here, in phase order then module order:
   * POST_READ and SERVER_REWRITE are read from the server's level, REWRITE to CONTENT from
   * the location's (nginx's phase engine, with the chain made per level so that a module that is
   * not configured here is not even called).
   */
  readonly steps: readonly PhaseStep[];
  /** Where each phase's steps start in `steps` (steps.length when it has none). */
  readonly phaseStart: readonly number[];
  /** The location's own content handler (proxy_pass, stub_status): nginx's clcf->handler. */
  readonly contentHandler: PhaseStep | undefined;
  /** Header filters of the modules configured here, in module order. */
  readonly headerFilters: readonly FilterStep[];
  /** `satisfy any`. */
  readonly satisfyAny: boolean;

  constructor(readonly conf: MergedLocConf, location: LocationConf | undefined, c: LevelCompiler, parent?: LocRuntime) {
    const t = (s: string) => compileTemplate(s, c.templates);
    this.name = location?.pattern ?? '';
    // A nested location without its own root/alias maps paths as its parent does (nginx keeps
    // the alias's prefix length from the location that set it).
    // (Compared by value: the Config reaches workers through JSON, so objects are not shared.)
    const inherited = parent !== undefined && parent.conf.root.path === conf.root.path && parent.conf.root.alias === conf.root.alias;
    this.path = inherited ? parent.path : mapping(conf, location, t);
    this.tryFiles = conf.tryFiles ? compileTryFiles(conf.tryFiles, t) : undefined;
    const pages = new Map<number, CompiledErrorPage>();
    for (const page of conf.errorPages) {
      const compiled = { overwrite: page.overwrite, uri: t(page.uri) };
      // nginx keeps the first error_page naming a code.
      for (const code of page.codes) if (!pages.has(code)) pages.set(code, compiled);
    }
    this.errorPages = pages;
    this.serverHeader = conf.serverTokens ? NAME_VERSION : NAME;
    this.accessLogs = c.accessLogs(conf);
    this.satisfyAny = conf.satisfy === 'any';
    const context: LevelContext = { conf, location, templates: c.templates, generation: c.generation };
    const steps: PhaseStep[] = [];
    const filters: FilterStep[] = [];
    let contentHandler: PhaseStep | undefined;
    for (const m of c.modules) {
      const spec = m.spec;
      const state = spec.compileLevel?.(context);
      if (state === undefined) continue;
      this.moduleState[m.id] = state;
      for (const key of Object.keys(spec.phases ?? {})) {
        const phase = Number(key) as Phase;
        steps.push({ phase, module: m, handler: spec.phases![phase] as PhaseHandler<unknown>, state, nextPhase: 0 });
      }
      if (spec.contentHandler !== undefined && contentHandler === undefined) {
        contentHandler = { phase: Phase.CONTENT, module: m, handler: spec.contentHandler as PhaseHandler<unknown>, state, nextPhase: 0 };
      }
      if (spec.headerFilter !== undefined) filters.push({ filter: spec.headerFilter as HeaderFilter<unknown>, state });
    }
    // Stable: within a phase, handlers keep the module list's order.
    steps.sort((a, b) => a.phase - b.phase);
    const phaseStart: number[] = [];
    for (let p = 0; p <= Phase.LOG; p++) {
      const i = steps.findIndex((step) => step.phase >= p);
      phaseStart.push(i < 0 ? steps.length : i);
    }
    for (const step of steps) step.nextPhase = phaseStart[step.phase + 1] ?? steps.length;
    this.steps = steps;
    this.phaseStart = phaseStart;
    this.contentHandler = contentHandler;
    this.headerFilters = filters;
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
