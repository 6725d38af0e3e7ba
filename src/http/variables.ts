// nginx variables: a registry of getters by name (plus prefix families like $http_NAME), and a
// compiler that turns a string with $var / ${var} into one function at config load. Modules
// register their variables at import time (the proxy adds $upstream_addr, `map` adds its own),
// so the compiler never knows a fixed list.
import type { HttpRequest } from './request.js';

/** Returns the variable's value; '' means "empty or not found" (access logs print "-"). */
export type VariableGetter = (r: HttpRequest) => string;

/** Makes the getter for one member of a family ("$http_user_agent" → factory("user_agent")). */
export type VariableFamily = (suffix: string) => VariableGetter;

const variables = new Map<string, VariableGetter>();
const families: { prefix: string; make: VariableFamily }[] = [];

/**
 * Getters whose values never hold a character a log escape changes ('"', '\\', control or
 * non-ASCII bytes): numbers, times, addresses, hex ids. Log formats skip escaping them.
 */
const plainGetters = new WeakSet<VariableGetter>();

/** `plain`: the value never needs escaping (see plainGetters). */
export function registerVariable(name: string, getter: VariableGetter, plain = false): void {
  variables.set(name, getter);
  if (plain) plainGetters.add(getter);
}

export function registerVariableFamily(prefix: string, make: VariableFamily): void {
  families.push({ prefix, make });
}

export class UnknownVariableError extends Error {
  readonly code = 'NGTS_UNKNOWN_VARIABLE';
  constructor(readonly variable: string) {
    super(`unknown "${variable}" variable`);
  }
}

/** What a template may refer to beyond the registry: the named captures of the config's regexes. */
export interface CompileOptions {
  captureNames?: ReadonlySet<string>;
  /** Applied to every variable's value (log_format escape=…), never to the literal text. */
  escape?: (value: string) => string;
  /** Replaces an empty value (access logs print "-" for an empty or missing variable). */
  empty?: string;
  /** Variables of this configuration generation (`map`), looked up before the registry. */
  variables?: ReadonlyMap<string, VariableGetter>;
}

export function lookupVariable(name: string, options: CompileOptions = {}): VariableGetter {
  const own = options.variables?.get(name);
  if (own) return own;
  const exact = variables.get(name);
  if (exact) return exact;
  if (/^[0-9]$/.test(name)) return captureGetter(Number(name));
  for (const f of families) {
    if (name.startsWith(f.prefix) && name.length > f.prefix.length) return f.make(name.slice(f.prefix.length));
  }
  if (options.captureNames?.has(name)) return namedCaptureGetter(name);
  throw new UnknownVariableError(name);
}

function captureGetter(n: number): VariableGetter {
  return (r) => r.captures?.[n] ?? '';
}

function namedCaptureGetter(name: string): VariableGetter {
  return (r) => r.captures?.groups?.[name] ?? '';
}

/** A compiled string: `constant` is set when it has no variables (the common, free case). */
export interface Template {
  readonly source: string;
  readonly constant: string | undefined;
  evaluate(r: HttpRequest): string;
}

type Part = string | VariableGetter;

/** Splits nginx's syntax: "$name" (letters, digits, "_"), "${name}", "$1" (one digit, as nginx). */
export function parseTemplate(source: string): ({ text: string } | { variable: string })[] {
  const parts: ({ text: string } | { variable: string })[] = [];
  let text = '';
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    if (ch !== '$') {
      text += ch;
      i++;
      continue;
    }
    let name: string;
    if (source[i + 1] === '{') {
      const close = source.indexOf('}', i + 2);
      if (close < 0) throw new TemplateSyntaxError(`the closing bracket in "${source.slice(i + 2)}" variable is missing`);
      name = source.slice(i + 2, close);
      i = close + 1;
    } else if (/[1-9]/.test(source[i + 1] ?? '')) {
      name = source[i + 1];
      i += 2;
    } else {
      const m = /^[A-Za-z0-9_]+/.exec(source.slice(i + 1));
      if (!m) throw new TemplateSyntaxError('invalid variable name ""');
      name = m[0];
      i += 1 + name.length;
    }
    if (name === '') throw new TemplateSyntaxError('invalid variable name ""');
    if (text !== '') parts.push({ text });
    text = '';
    parts.push({ variable: name });
  }
  if (text !== '') parts.push({ text });
  return parts;
}

export class TemplateSyntaxError extends Error {
  readonly code = 'NGTS_TEMPLATE_SYNTAX';
}

export function compileTemplate(source: string, options: CompileOptions = {}): Template {
  const parsed = parseTemplate(source);
  const parts: Part[] = parsed.map((p) => ('text' in p ? p.text : wrap(lookupVariable(p.variable, options), options)));
  if (parts.every((p) => typeof p === 'string')) {
    const constant = (parts as string[]).join('');
    return { source, constant, evaluate: () => constant };
  }
  return { source, constant: undefined, evaluate: joinParts(parts) };
}

function wrap(get: VariableGetter, options: CompileOptions): VariableGetter {
  const { empty } = options;
  const escape = plainGetters.has(get) ? undefined : options.escape;
  if (!escape && empty === undefined) return get;
  if (!escape) return (r) => get(r) || empty!;
  return (r) => {
    const v = get(r);
    if (v === '' && empty !== undefined) return empty;
    return escape ? escape(v) : v;
  };
}

// Specialised joins for the usual short templates: no array walk per request. Longer ones (log
// formats) walk the parts with the literal text inline, not behind a function call each.
function joinParts(parts: Part[]): (r: HttpRequest) => string {
  const p = parts.map((x) => (typeof x === 'string' ? () => x : x));
  switch (p.length) {
    case 1: return p[0];
    case 2: { const [a, b] = p; return (r) => a(r) + b(r); }
    case 3: { const [a, b, c] = p; return (r) => a(r) + b(r) + c(r); }
    default:
      return (r) => {
        let s = '';
        for (let i = 0; i < parts.length; i++) {
          const part = parts[i];
          s += typeof part === 'string' ? part : part(r);
        }
        return s;
      };
  }
}

/** Named groups of a regex source ((?<name>…) or PCRE's (?P<name>…)), for CompileOptions.captureNames. */
export function namedGroups(source: string): string[] {
  const out: string[] = [];
  const re = /\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/g;
  for (let m = re.exec(source); m; m = re.exec(source)) out.push(m[1]);
  return out;
}
