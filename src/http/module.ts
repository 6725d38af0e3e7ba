// What an HTTP module is at request time (nginx's ngx_http_module_t and its phase handlers and
// filters). A module compiles its per-level state once per configuration generation; a level
// where it compiles nothing gets none of its handlers or filters, so an unconfigured module
// costs nothing there. The ordered module list is src/http/module-list.ts; how to add one is in
// the README's "Architecture" section.
import type { Duplex } from 'node:stream';
import type { LocationConf, MergedLocConf } from '../config/types.js';
import type { HttpCore } from './phases.js';
import type { HttpRequest } from './request.js';
import type { NgtsResponse } from './response.js';
import type { CompileOptions, VariableGetter } from './variables.js';

/** nginx's request phases, in the order a request walks them (ngx_http_phases). */
export const Phase = {
  POST_READ: 0,
  SERVER_REWRITE: 1,
  FIND_CONFIG: 2,
  REWRITE: 3,
  POST_REWRITE: 4,
  PREACCESS: 5,
  ACCESS: 6,
  POST_ACCESS: 7,
  PRECONTENT: 8,
  CONTENT: 9,
  LOG: 10,
} as const;
export type Phase = typeof Phase[keyof typeof Phase];

/** This handler has nothing to do for the request: the next handler of the phase runs. */
export const DECLINED = -1;
/** The phase is done: the next phase starts (in ACCESS: access is granted). */
export const OK = 0;
/**
 * The handler answered, or goes on asynchronously and will itself call core.continuePhases(r)
 * (or finalize the request).
 */
export const DONE = -2;
/**
 * What a phase handler returns: DECLINED, OK, DONE — or, in the ACCESS phase, the status that
 * refuses the request (403, 401), which `satisfy` weighs as nginx's access checker does.
 */
export type PhaseResult = number;

export type PhaseHandler<L> = (r: HttpRequest, state: L, core: HttpCore) => PhaseResult;

/**
 * A header filter runs when the status line is about to be written (nginx's header filter
 * chain), in module-list order; it may change headers and install a body filter.
 */
export type HeaderFilter<L> = (r: HttpRequest, res: NgtsResponse, status: number, state: L) => void;

/**
 * A body filter, installed by a header filter for one response: a stream that takes the body
 * as the content handler writes it and passes on what the client gets (chunks, backpressure and
 * end as node streams have them). Filters installed by one response chain in install order.
 */
export type BodyFilter = Duplex;

/** What a level's compilation sees. */
export interface LevelContext {
  readonly conf: MergedLocConf;
  /** The location (undefined at server level). */
  readonly location: LocationConf | undefined;
  readonly templates: CompileOptions;
  readonly generation: Generation;
}

/**
 * One configuration generation as modules see it while its levels compile: what they share
 * across levels (the proxy's upstreams) sits in their generation slot; what must happen when
 * the generation is replaced (a reload, or the worker shutting down) goes in `onRetire`.
 */
export interface Generation {
  readonly config: import('../config/types.js').Config;
  readonly onRetire: (() => void)[];
  /** Per-module generation state, by module id (see HttpModule.generationState). */
  readonly modules: unknown[];
}

export interface HttpModuleSpec<L, R> {
  readonly name: string;
  /**
   * The module's state for one level (a server outside its locations, or a location), compiled
   * once per generation; undefined: not configured here (no handler, filter or cost).
   */
  compileLevel?(level: LevelContext): L | undefined;
  /** Handlers by phase, run for the levels where compileLevel gave a state. */
  readonly phases?: { readonly [P in Phase]?: PhaseHandler<L> };
  /**
   * nginx's clcf->handler: the location's own content handler (proxy_pass, stub_status), which
   * replaces the CONTENT phase's handlers there. It answers (DONE) or returns the status to
   * finalize with (405…).
   */
  readonly contentHandler?: PhaseHandler<L>;
  readonly headerFilter?: HeaderFilter<L>;
  /** Variables the module provides ($upstream_addr…), registered when the module list is built. */
  readonly variables?: Readonly<Record<string, VariableGetter>>;
  /** Type carrier for the per-request state; never set. */
  readonly requestType?: R;
}

let nextId = 0;

/**
 * A module with its typed slots: its per-level state on LocRuntime.moduleState, its
 * per-request state on HttpRequest.ctx, its per-generation state on Generation.modules — all
 * indexed by the module's id (nginx's ctx_index), never looked up by name.
 */
export class HttpModule<L = unknown, R = unknown> {
  readonly id = nextId++;
  readonly name: string;

  constructor(readonly spec: HttpModuleSpec<L, R>) {
    this.name = spec.name;
  }

  /** This module's state at a level (undefined where it is not configured). */
  levelState(level: { readonly moduleState: readonly unknown[] }): L | undefined {
    return level.moduleState[this.id] as L | undefined;
  }

  /** This module's per-request state, if it set one. */
  requestState(r: HttpRequest): R | undefined {
    const ctx = r.ctx;
    return ctx === undefined ? undefined : ctx[this.id] as R | undefined;
  }

  setRequestState(r: HttpRequest, state: R): void {
    (r.ctx ??= [])[this.id] = state;
  }

  /** What the module shares across the levels of one generation, made on first use. */
  generationState<G>(generation: Generation, make: () => G): G {
    return (generation.modules[this.id] ??= make()) as G;
  }
}

/** A module of any state types: what module lists hold. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyHttpModule = HttpModule<any, any>;

export function defineHttpModule<L, R = never>(spec: HttpModuleSpec<L, R>): HttpModule<L, R> {
  return new HttpModule(spec);
}
