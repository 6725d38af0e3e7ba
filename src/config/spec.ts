// The shape of a directive table row (nginx's ngx_command_t) and the scope its handler
// writes into. Every directive ngts knows is one row in one of src/config/directives/*.ts.
import type { Directive } from './ast.js';
import type {
  ContextName, HttpConf, LocConf, LocationConf, MainConf, ServerConf, UpstreamConf,
} from './types.js';

/** How many arguments a directive takes (nginx's NGX_CONF_TAKE*, NGX_CONF_1MORE, NGX_CONF_FLAG). */
export type Arity =
  | { min: number; max: number }
  | 'flag';

export const TAKE = (min: number, max = min): Arity => ({ min, max });
export const ONE_OR_MORE: Arity = { min: 1, max: Infinity };
export const TWO_OR_MORE: Arity = { min: 2, max: Infinity };
export const FLAG: Arity = 'flag';

/** A server while its block is read: the listen and location lists are built in order. */
export interface ServerDraft {
  listens: ServerConf['listens'];
  serverNames: string[];
  loc: LocConf;
  locations: LocationDraft[];
  directive: Directive;
}

export interface LocationDraft {
  modifier: LocationConf['modifier'];
  pattern: string;
  loc: LocConf;
  locations: LocationDraft[];
  directive: Directive;
}

export interface HttpDraft {
  servers: ServerDraft[];
  upstreams: Record<string, UpstreamConf>;
  logFormats: HttpConf['logFormats'];
  maps: HttpConf['maps'];
  loc: LocConf;
  /** access_log lines whose format must exist once the whole http block is read. */
  pendingFormatChecks: { directive: Directive; format: string }[];
}

/** What a handler may write: the objects of every enclosing level. */
export interface Scope {
  context: ContextName;
  main: MainDraft;
  http?: HttpDraft;
  server?: ServerDraft;
  location?: LocationDraft;
  /** The loc_conf of the innermost http/server/location level. */
  loc?: LocConf;
  upstream?: UpstreamConf;
  /** Prefix for relative paths (pid, logs, root). */
  prefix: string;
  /** Directory that `include` resolves against. */
  confDir: string;
  /** Records an nginx "[warn]" about a directive; loading goes on. */
  warn(d: Directive, message: string): void;
  /** Reads a nested block with the given child scope. */
  walk(block: Directive[], scope: Scope): void;
}

export interface DirectiveSpec {
  name: string;
  contexts: readonly ContextName[];
  args: Arity;
  /** 'directives': the block holds directives read by walk(); 'raw': the handler reads it. */
  block?: 'directives' | 'raw';
  handle(d: Directive, scope: Scope): void;
}

/** Main-context settings while they are read: unset until a directive sets them. */
export type MainDraft = Partial<MainConf> & {
  errorLogs: MainConf['errorLogs'];
  eventsSeen?: boolean;
};
