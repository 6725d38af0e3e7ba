// Configuration files → an immutable, typed Config. Reads the files (parse.ts), runs each
// directive's table row in its context, merges inheritance once, and checks what nginx checks
// after a block is read (default servers, duplicate listens, the events section).
import path from 'node:path';
import os from 'node:os';
import type { Directive } from './ast.js';
import { COMMAND_LINE, ConfigError, closestName, directiveError } from './errors.js';
import { parseAndExpand, parseFileWithIncludes, SyntaxFailure, TRUNCATION_MARK, type SourceSet } from './parse.js';
import { directiveTable } from './directives/index.js';
import { NGINX_ONLY_DIRECTIVES } from './directives/nginx-only.js';
import { defaultLocConf, mergeLocConf } from './merge.js';
import type { HttpDraft, LocationDraft, MainDraft, Scope, ServerDraft } from './spec.js';
import type { Config, HttpConf, LocationConf, MainConf, MergedLocConf, ServerConf } from './types.js';
import { isRoot } from '../worker/privileges.js';

export interface LoadOptions {
  /** -p: absolute prefix directory. */
  prefix: string;
  /** -c: the configuration file (absolute, or relative to the prefix). */
  confFile: string;
  /** -g: main-context directives given on the command line. */
  globals?: string;
  /** -e: the error log used when the configuration names none at main level ("stderr" or a path). */
  errorLog?: string;
}

export interface LoadResult {
  config: Config;
  /** Every file read with its text (and "command line" for -g), in reading order. */
  sources: Map<string, string>;
  /** nginx's [warn] lines: the config loads, but something deserves a look. */
  warnings: ConfigError[];
}

/** The text of every file read so far, kept when loading fails so the error can show its line. */
export class LoadFailure extends Error {
  constructor(readonly error: ConfigError, readonly sources: Map<string, string>) {
    super(error.message);
  }
}

export function loadConfig(opts: LoadOptions): LoadResult {
  const prefix = opts.prefix.replace(/\/+$/, '') || '/';
  const file = path.resolve(prefix, opts.confFile);
  const confDir = path.dirname(file);
  const sources: SourceSet = { texts: new Map() };
  const warnings: ConfigError[] = [];
  try {
    let directives: Directive[];
    try {
      directives = parseFileWithIncludes(file, confDir, sources);
      if (opts.globals !== undefined) {
        sources.texts.set(COMMAND_LINE, opts.globals);
        directives.push(...parseAndExpand(opts.globals, COMMAND_LINE, confDir, sources, []));
      }
    } catch (e) {
      if (!(e instanceof SyntaxFailure)) throw e;
      // As nginx, which handles directives while reading: an error in one that comes before the
      // syntax error is reported first; reaching the mark means the syntax error is the first.
      try {
        readDirectives(e.prefix, prefix, file, confDir, warnings);
      } catch (inner) {
        if (!(inner instanceof ReachedTruncation)) throw inner;
      }
      throw e.error;
    }
    const defaultErrorLog = opts.errorLog === undefined || opts.errorLog === 'stderr'
      ? opts.errorLog : path.resolve(prefix, opts.errorLog);
    const config = readDirectives(directives, prefix, file, confDir, warnings, defaultErrorLog);
    config.files = [...sources.texts.keys()].filter((f) => f !== COMMAND_LINE);
    return { config: deepFreeze(config), sources: sources.texts, warnings };
  } catch (e) {
    if (e instanceof ConfigError) throw new LoadFailure(e, sources.texts);
    throw e;
  }
}

class ReachedTruncation extends Error {}

function readDirectives(
  list: Directive[], prefix: string, file: string, confDir: string, warnings: ConfigError[], defaultErrorLog?: string,
): Config {
  const main: MainDraft = { errorLogs: [] };
  const scope: Scope = {
    context: 'main', main, prefix, confDir,
    warn(d, message) { warnings.push(directiveError(d, message)); },
    walk,
  };
  walk(list, scope);
  if (!main.eventsSeen) throw new ConfigError('no "events" section in configuration');
  const config: Config = { prefix, file, files: [], main: finishMain(main, prefix, defaultErrorLog) };
  if (scope.http) config.http = finishHttp(scope.http, prefix, warnings);
  return config;
}

function walk(block: Directive[], scope: Scope): void {
  for (const d of block) {
    if (d.name === TRUNCATION_MARK) throw new ReachedTruncation();
    const rows = directiveTable.get(d.name);
    if (!rows) {
      if (NGINX_ONLY_DIRECTIVES.has(d.name)) throw directiveError(d, `"${d.name}" directive is not supported by ngts`);
      const near = closestName(d.name, directiveTable.keys());
      throw directiveError(d, `unknown directive "${d.name}"`, d.namePos, near ? `did you mean "${near}"?` : undefined);
    }
    const spec = rows.find((r) => r.contexts.includes(scope.context));
    if (!spec) throw directiveError(d, `"${d.name}" directive is not allowed here`);
    if (!spec.block && d.block) throw directiveError(d, `directive "${d.name}" is not terminated by ";"`);
    if (spec.block && !d.block) throw directiveError(d, `directive "${d.name}" has no opening "{"`);
    const n = d.args.length;
    const ok = spec.args === 'flag' ? n === 1 : n >= spec.args.min && n <= spec.args.max;
    if (!ok) throw directiveError(d, `invalid number of arguments in "${d.name}" directive`);
    const cut = spec.block === 'raw' ? d.block!.findIndex((x) => x.name === TRUNCATION_MARK) : -1;
    if (cut >= 0) {
      // A raw block (types) cut by a syntax error: its entries before the error count first.
      spec.handle({ ...d, block: d.block!.slice(0, cut) }, scope);
      throw new ReachedTruncation();
    }
    spec.handle(d, scope);
  }
}

function finishMain(m: MainDraft, prefix: string, defaultErrorLog = prefix + '/logs/error.log'): MainConf {
  const main: MainConf = {
    workerProcesses: m.workerProcesses ?? 1,
    pid: m.pid ?? prefix + '/logs/ngts.pid',
    errorLogs: m.errorLogs.length > 0 ? m.errorLogs : [{ path: defaultErrorLog, level: 'error' }],
    daemon: m.daemon ?? true,
    workerConnections: m.workerConnections ?? 512,
    configWatch: m.configWatch ?? false,
  };
  if (m.user) main.user = m.user;
  if (m.workerRlimitNofile !== undefined) main.workerRlimitNofile = m.workerRlimitNofile;
  if (m.workerShutdownTimeout !== undefined) main.workerShutdownTimeout = m.workerShutdownTimeout;
  return main;
}

function finishHttp(h: HttpDraft, prefix: string, warnings: ConfigError[]): HttpConf {
  const loc = mergeLocConf(h.loc, defaultLocConf(prefix));
  const servers = h.servers.map((s) => finishServer(s, loc));
  checkListens(h.servers, servers, warnings);
  return { servers, upstreams: h.upstreams, logFormats: h.logFormats, maps: h.maps, loc };
}

function finishServer(s: ServerDraft, parent: MergedLocConf): ServerConf {
  const loc = mergeLocConf(s.loc, parent);
  if (s.listens.length === 0) {
    const port = isRoot() ? 80 : 8000;
    s.listens.push({ host: '0.0.0.0', port, key: `0.0.0.0:${port}`, defaultServer: false });
  }
  return {
    listens: s.listens,
    serverNames: s.serverNames.length > 0 ? s.serverNames : [''],
    loc,
    locations: s.locations.map((l) => finishLocation(l, loc)),
    origin: { file: s.directive.file, line: s.directive.line },
  };
}

function finishLocation(l: LocationDraft, parent: MergedLocConf): LocationConf {
  const loc = mergeLocConf(l.loc, parent);
  return {
    modifier: l.modifier,
    pattern: l.pattern,
    loc,
    locations: l.locations.map((c) => finishLocation(c, loc)),
    origin: { file: l.directive.file, line: l.directive.line },
  };
}

/** nginx's checks across servers: one default server per address, no name claimed twice. */
function checkListens(drafts: ServerDraft[], servers: ServerConf[], warnings: ConfigError[]): void {
  const defaults = new Map<string, true>();
  const names = new Map<string, true>();
  drafts.forEach((draft, i) => {
    for (const l of servers[i].listens) {
      if (l.defaultServer) {
        if (defaults.has(l.key)) {
          const d = draft.directive.block!.find((x) => x.name === 'listen' && x.args.includes('default_server')) ?? draft.directive;
          throw directiveError(d, `a duplicate default server for ${l.key}`);
        }
        defaults.set(l.key, true);
      }
      for (const name of servers[i].serverNames) {
        const key = `${l.key} ${name}`;
        if (names.has(key) && name !== '') {
          const d = draft.directive.block!.find((x) => x.name === 'server_name') ?? draft.directive;
          warnings.push(directiveError(d, `conflicting server name "${name}" on ${l.key}, ignored`));
        }
        names.set(key, true);
      }
    }
  });
}

/**
 * Freezes the Config and drops keys whose value is undefined, so that the Config a worker
 * receives over IPC (JSON) is exactly the one the master holds.
 */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (record[key] === undefined && !Array.isArray(value)) delete record[key];
      else deepFreeze(record[key]);
    }
    Object.freeze(value);
  }
  return value;
}

export function cpuCount(): number {
  return os.availableParallelism?.() ?? os.cpus().length;
}
