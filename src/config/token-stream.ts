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

  reset(chunk: string, state?: unknown): void {
    this.moo.reset(chunk, state as never);
    this.prev = undefined;
    this.inStatement = false;
    this.depth = 0;
  }

  next(): RawToken | undefined {
    for (;;) {
      const tok = this.moo.next();
      if (tok === undefined) return undefined;
      const prev = this.prev;
      this.prev = tok;
      if (prev && (prev.type === 'dq' || prev.type === 'sq') && tok.offset === prev.offset + prev.text.length
        && tok.type !== 'ws' && tok.type !== 'nl' && tok.type !== 'semi' && tok.type !== 'lbrace'
        && !(tok.type === 'word' && tok.text[0] === ')')) {
        throw new LexicalError(`unexpected "${tok.text[0]}"`, tok.line, tok.col, false);
      }
      if (tok.type === 'unterminated') {
        const endLine = tok.line + tok.lineBreaks;
        throw new LexicalError('unexpected end of file, expecting ";" or "}"', endLine, tok.col, true);
      }
      if (SKIPPED.has(tok.type!)) continue;
      if (tok.type === 'semi') this.inStatement = false;
      else if (tok.type === 'lbrace') { this.inStatement = false; this.depth++; }
      else if (tok.type === 'rbrace') { this.inStatement = false; this.depth--; }
      else this.inStatement = true;
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
