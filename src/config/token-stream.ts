// The lexer nearley reads: moo's tokens without white space and comments, with nginx's rule
// that a closing quote must be followed by a separator enforced here (the grammar cannot see
// adjacency). Errors are raised as ConfigSyntaxError with the position nginx would report.
import type { Lexer, Token } from 'moo';
import { createMooLexer, tokenValue } from './lexer.js';
import type { RawToken } from './ast.js';

export class LexicalError extends Error {
  constructor(message: string, readonly line: number, readonly col: number, readonly atEof: boolean) {
    super(message);
  }
}

const SKIPPED = new Set(['ws', 'nl', 'comment']);

class SignificantLexer {
  private moo: Lexer = createMooLexer();
  private prev: Token | undefined;
  /** What an end of input means here: inside a statement, or only inside blocks. */
  inStatement = false;
  depth = 0;
  /** Offset just past the last ";", "{" or "}", and the block depth there: where a statement starts. */
  boundary = 0;
  depthAtBoundary = 0;
  /** A lexical error, kept because nearley wraps what the lexer throws. */
  error: LexicalError | undefined;
  private pendingBoundary = -1;

  reset(chunk: string, state?: unknown): void {
    this.moo.reset(chunk, state as never);
    this.prev = undefined;
    this.inStatement = false;
    this.depth = 0;
    this.boundary = 0;
    this.depthAtBoundary = 0;
    this.error = undefined;
    this.pendingBoundary = -1;
  }

  next(): RawToken | undefined {
    if (this.pendingBoundary >= 0) {
      this.boundary = this.pendingBoundary;
      this.depthAtBoundary = this.depth;
      this.pendingBoundary = -1;
    }
    for (;;) {
      const tok = this.moo.next();
      if (tok === undefined) return undefined;
      const prev = this.prev;
      this.prev = tok;
      if (prev && (prev.type === 'dq' || prev.type === 'sq') && tok.offset === prev.offset + prev.text.length
        && tok.type !== 'ws' && tok.type !== 'nl' && tok.type !== 'semi' && tok.type !== 'lbrace'
        && !(tok.type === 'word' && tok.text[0] === ')')) {
        throw (this.error = new LexicalError(`unexpected "${tok.text[0]}"`, tok.line, tok.col, false));
      }
      if (tok.type === 'unterminated') {
        const endLine = tok.line + tok.lineBreaks;
        throw (this.error = new LexicalError('unexpected end of file, expecting ";" or "}"', endLine, tok.col, true));
      }
      if (SKIPPED.has(tok.type!)) continue;
      if (tok.type === 'semi' || tok.type === 'lbrace' || tok.type === 'rbrace') {
        this.inStatement = false;
        if (tok.type === 'lbrace') this.depth++;
        else if (tok.type === 'rbrace') this.depth--;
        this.pendingBoundary = tok.offset + 1;
      } else this.inStatement = true;
      return {
        type: tok.type!, text: tok.text, value: tokenValue(tok.type!, tok.text),
        offset: tok.offset, line: tok.line, col: tok.col,
      };
    }
  }

  save(): unknown {
    return this.moo.save();
  }

  formatError(token: RawToken): string {
    return `unexpected "${token.text}"`;
  }

  has(type: string): boolean {
    return this.moo.has(type);
  }
}

export const significantLexer = new SignificantLexer();
