// Configuration errors in nginx's words: "[emerg] <what> in <file>:<line>", exit code 1.
// Beyond nginx, a rendering with the offending line, a caret under the token, and a hint.
import type { Directive, Position } from './ast.js';

export const COMMAND_LINE = 'command line';

export class ConfigError extends Error {
  readonly code = 'NGTS_CONFIG';
  constructor(
    message: string,
    /** Absolute file name, COMMAND_LINE for -g, or undefined for errors about the whole config. */
    readonly file?: string,
    readonly line?: number,
    /** Where the caret goes (may be on an earlier line than `line` for multi-line statements). */
    readonly pos?: Position,
    readonly hint?: string,
  ) {
    super(message);
  }

  /** nginx's own text: what follows "[emerg] ". */
  get nginxText(): string {
    if (this.file === undefined) return this.message;
    if (this.file === COMMAND_LINE) return `${this.message} in command line`;
    return `${this.message} in ${this.file}:${this.line}`;
  }
}

/** An error about a directive, reported where nginx reports it, with the caret at `pos`. */
export function directiveError(d: Directive, message: string, pos: Position = d.namePos, hint?: string): ConfigError {
  return new ConfigError(message, d.file, d.line, pos, hint);
}

/** An error about one argument of a directive: the caret goes under that argument. */
export function argError(d: Directive, index: number, message: string, hint?: string): ConfigError {
  return new ConfigError(message, d.file, d.line, d.argPos[index] ?? d.namePos, hint);
}

/**
 * The lines printed after "[emerg] …": the source line with a caret under the token and a
 * hint. `sources` maps file names to their text; -g text is kept under COMMAND_LINE.
 */
export function renderSnippet(err: ConfigError, sources: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  const text = err.file !== undefined ? sources.get(err.file) : undefined;
  if (text !== undefined && err.pos) {
    const lines = text.split('\n');
    const lineNo = err.pos.line;
    const src = (lines[lineNo - 1] ?? '').replace(/\t/g, ' ').replace(/\r$/, '');
    const gutter = String(lineNo);
    const pad = ' '.repeat(gutter.length);
    const width = Math.max(1, tokenWidth(src, err.pos.col - 1));
    out.push(`  ${gutter} | ${src}`);
    out.push(`  ${pad} | ${' '.repeat(Math.max(0, err.pos.col - 1))}${'^'.repeat(width)}`);
  }
  if (err.hint) out.push(`  hint: ${err.hint}`);
  return out;
}

function tokenWidth(line: string, start: number): number {
  const rest = line.slice(start);
  const m = /^("(?:\\.|[^"\\])*"?|'(?:\\.|[^'\\])*'?|[^\s;{]+|.)/.exec(rest);
  return m ? m[0].length : 1;
}

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.min(3, Math.floor(name.length / 3)));
  for (const c of candidates) {
    const dist = editDistance(name, c);
    if (dist <= bestDistance && (best === undefined || dist < bestDistance)) {
      best = c;
      bestDistance = dist;
    }
  }
  return best;
}
