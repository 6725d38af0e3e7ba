// Text → directives. nearley checks the structure; this file turns its result into
// Directive nodes, words nginx's syntax errors, and expands `include` (globs relative to the
// main config's directory, as nginx does) with a guard against include cycles.
import fs from 'node:fs';
import path from 'node:path';
import nearley from 'nearley';
import grammar from './grammar.js';
import type { Directive, RawStatement, RawToken } from './ast.js';
import { ConfigError, directiveError } from './errors.js';
import { LexicalError, significantLexer } from './token-stream.js';
import { expandGlob, hasGlobMagic } from './glob.js';
import { strerror } from '../log/strerror.js';

const compiledGrammar = nearley.Grammar.fromCompiled(grammar);

/**
 * The name of the statement that ends every block cut short by a syntax error. nginx handles
 * each directive as it reads it, so an error in a directive *before* a syntax error is the one
 * it reports; the loader walks the valid prefix and stops at this mark to do the same.
 */
export const TRUNCATION_MARK = '\u0001ngts-syntax-error-here';

/** A syntax error, with the directives that came before it (ending in TRUNCATION_MARK). */
export class SyntaxFailure extends Error {
  constructor(readonly error: ConfigError, readonly prefix: Directive[]) {
    super(error.message);
  }
}

/** Parse one file's text. `file` is the name used in messages. */
export function parseText(text: string, file: string): Directive[] {
  const parser = new nearley.Parser(compiledGrammar);
  try {
    parser.feed(text);
  } catch (e) {
    const lexical = significantLexer.error;
    const token = (e as { token?: RawToken }).token;
    let error: ConfigError;
    if (lexical) error = new ConfigError(lexical.message, file, lexical.line, { line: lexical.line, col: lexical.col });
    else if (token) error = new ConfigError(`unexpected "${token.text}"`, file, token.line, { line: token.line, col: token.col });
    else throw e;
    throw syntaxFailure(error, text, file);
  }
  if (parser.results.length === 0) {
    const lastLine = countLines(text);
    const lastCol = text.length - text.lastIndexOf('\n');
    const message = significantLexer.inStatement
      ? 'unexpected end of file, expecting ";" or "}"'
      : 'unexpected end of file, expecting "}"';
    throw syntaxFailure(new ConfigError(message, file, lastLine, { line: lastLine, col: lastCol }), text, file);
  }
  if (parser.results.length > 1) throw new Error(`ambiguous configuration grammar (${parser.results.length} parses)`);
  return (parser.results[0] as RawStatement[]).map((s) => toDirective(s, file));
}

/** The statements before the error, every open block closed after a TRUNCATION_MARK statement. */
function syntaxFailure(error: ConfigError, text: string, file: string): SyntaxFailure {
  const { boundary, depthAtBoundary } = significantLexer;
  const prefixText = text.slice(0, boundary) + `\n${TRUNCATION_MARK};` + '}'.repeat(Math.max(0, depthAtBoundary));
  return new SyntaxFailure(error, parseText(prefixText, file));
}

function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function toDirective(s: RawStatement, file: string): Directive {
  const d: Directive = {
    name: s.name.value,
    args: s.args.map((a) => a.value),
    quoted: s.args.map((a) => a.type !== 'word'),
    file,
    line: s.end.line,
    namePos: { line: s.name.line, col: s.name.col },
    argPos: s.args.map((a) => ({ line: a.line, col: a.col })),
  };
  if (s.block) d.block = s.block.map((c) => toDirective(c, file));
  return d;
}

export interface SourceSet {
  /** Files in the order they were read, with their text (for -T, snippets and watching). */
  texts: Map<string, string>;
}

/**
 * Read a file and every file it includes. `confDir` is the directory relative include paths
 * resolve against (the main configuration file's directory).
 */
export function parseFileWithIncludes(file: string, confDir: string, sources: SourceSet): Directive[] {
  const text = readConfigFile(file, undefined);
  sources.texts.set(file, text);
  return parseAndExpand(text, file, confDir, sources, [file]);
}

/** parseText + expandIncludes; a syntax error keeps the expanded prefix before it. */
export function parseAndExpand(text: string, file: string, confDir: string, sources: SourceSet, stack: string[]): Directive[] {
  let list: Directive[];
  try {
    list = parseText(text, file);
  } catch (e) {
    if (!(e instanceof SyntaxFailure)) throw e;
    throw new SyntaxFailure(e.error, expandIncludes(e.prefix, confDir, sources, stack));
  }
  return expandIncludes(list, confDir, sources, stack);
}

export function expandIncludes(list: Directive[], confDir: string, sources: SourceSet, stack: string[]): Directive[] {
  const out: Directive[] = [];
  for (const d of list) {
    try {
      expandOne(d, out, confDir, sources, stack);
    } catch (e) {
      // A syntax error inside an included file or a block: everything before it stays, in place.
      if (!(e instanceof SyntaxFailure)) throw e;
      if (d.name === 'include') out.push(...e.prefix);
      else out.push({ ...d, block: e.prefix });
      throw new SyntaxFailure(e.error, out);
    }
  }
  return out;
}

function expandOne(d: Directive, out: Directive[], confDir: string, sources: SourceSet, stack: string[]): void {
  {
    if (d.name !== 'include') {
      if (d.block) d.block = expandIncludes(d.block, confDir, sources, stack);
      out.push(d);
      return;
    }
    if (d.args.length !== 1 || d.block) {
      throw directiveError(d, d.block ? 'directive "include" is not terminated by ";"'
        : 'invalid number of arguments in "include" directive');
    }
    const pattern = path.resolve(confDir, d.args[0]);
    const files = hasGlobMagic(pattern) ? expandGlob(pattern) : [pattern];
    for (const f of files) {
      if (stack.includes(f)) {
        throw directiveError(d, `include cycle: "${f}" includes itself through ${stack.slice(stack.indexOf(f)).map((s) => `"${s}"`).join(' -> ')}`);
      }
      const text = readConfigFile(f, d);
      sources.texts.set(f, text);
      out.push(...parseAndExpand(text, f, confDir, sources, [...stack, f]));
    }
  }
}

function readConfigFile(file: string, includedBy: Directive | undefined): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const message = `open() "${file}" failed (${strerror(err)})`;
    if (includedBy) throw directiveError(includedBy, message, includedBy.argPos[0]);
    throw new ConfigError(message);
  }
}
