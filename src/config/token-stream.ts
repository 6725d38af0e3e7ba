// The lexer nearley reads. moo tokenizes; this layer drops white space and comments, enforces
// nginx's rule that a closing quote must be followed by a separator (the grammar cannot see
// adjacency), and hands a run of arguments to the grammar as one `words` token — the grammar
// still sees every ";", "{" and "}", so every structural error is its own, while Earley work
// per directive stays small (a 5,000-server config parses well under a second).
import type { Lexer, Token } from 'moo';
import { createMooLexer } from './lexer.js';
import type { RawToken } from './ast.js';

export class LexicalError extends Error {
  constructor(message: string, readonly line: number, readonly col: number) {
    super(message);
  }
}

/** A run of words and quoted strings: a directive's name and arguments. */
export interface WordsToken extends RawToken {
  type: 'words';
  values: RawToken[];
}

class SignificantLexer {
  private moo: Lexer = createMooLexer();
  private prev: Token | undefined;
  /** The token read past the end of a run of words; null at the end of input. */
  private lookahead: Token | null | undefined;
  private pendingBoundary = -1;
  /** Whether input ending now would end inside a statement ("expecting ";" or "}""). */
  inStatement = false;
  depth = 0;
  /** Offset just past the last ";", "{" or "}" the grammar accepted, and the depth there. */
  boundary = 0;
  depthAtBoundary = 0;
  /** A lexical error, kept because nearley wraps what the lexer throws. */
  error: LexicalError | undefined;

  reset(chunk: string, state?: unknown): void {
    this.moo.reset(chunk, state as never);
    this.prev = undefined;
    this.lookahead = undefined;
    this.pendingBoundary = -1;
    this.inStatement = false;
    this.depth = 0;
    this.boundary = 0;
    this.depthAtBoundary = 0;
    this.error = undefined;
  }

  next(): RawToken | undefined {
    // nearley asks for the next token only after accepting the previous one.
    if (this.pendingBoundary >= 0) {
      this.boundary = this.pendingBoundary;
      this.depthAtBoundary = this.depth;
      this.pendingBoundary = -1;
    }
    let tok: Token | null;
    if (this.lookahead !== undefined) {
      tok = this.lookahead;
      this.lookahead = undefined;
    } else tok = this.significant();
    if (tok === null) return undefined;
    const type = tok.type;
    if (type === 'semi' || type === 'lbrace' || type === 'rbrace') {
      this.inStatement = false;
      if (type === 'lbrace') this.depth++;
      else if (type === 'rbrace') this.depth--;
      this.pendingBoundary = tok.offset + 1;
      return tok as RawToken;
    }
    const values = [tok as RawToken];
    for (;;) {
      const t = this.significant();
      if (t !== null && (t.type === 'word' || t.type === 'dq' || t.type === 'sq')) values.push(t as RawToken);
      else {
        this.lookahead = t;
        break;
      }
    }
    this.inStatement = true;
    const words: WordsToken = {
      type: 'words', values, text: tok.text, value: tok.value, offset: tok.offset, line: tok.line, col: tok.col,
    };
    return words;
  }

  /** The next token that is not white space or a comment, or null at the end of input. */
  private significant(): Token | null {
    for (;;) {
      const tok = this.moo.next();
      if (tok === undefined) return null;
      const prev = this.prev;
      this.prev = tok;
      const type = tok.type!;
      if (prev && (prev.type === 'dq' || prev.type === 'sq') && tok.offset === prev.offset + prev.text.length
        && type !== 'ws' && type !== 'semi' && type !== 'lbrace'
        && !(type === 'word' && tok.text[0] === ')')) {
        throw (this.error = new LexicalError(`unexpected "${tok.text[0]}"`, tok.line, tok.col));
      }
      if (type === 'unterminated') {
        const endLine = tok.line + tok.lineBreaks;
        throw (this.error = new LexicalError('unexpected end of file, expecting ";" or "}"', endLine, tok.col));
      }
      if (type !== 'ws' && type !== 'comment') return tok;
    }
  }

  save(): unknown {
    return this.moo.save();
  }

  formatError(token: RawToken): string {
    return `unexpected "${token.text}"`;
  }

  has(type: string): boolean {
    return type === 'words' || this.moo.has(type);
  }
}

export const significantLexer = new SignificantLexer();
