# nginx.conf structure: statements, each a run of words (the directive's name and arguments)
# ending in ";" or in a block. Tokens come from src/config/token-stream.ts (white space and
# comments never reach the grammar; a run of arguments is one `words` token). One parse per
# input: the list rule is left-recursive and the grammar has no ambiguity, which keeps nearley
# linear.
@preprocessor typescript

@{%
import { significantLexer, type WordsToken } from './token-stream.js';
import type { RawStatement } from './ast.js';
const lexer = significantLexer;
%}

@lexer lexer

main -> statements {% id %}

statements -> null {% () => [] %}
  | statements statement {% (d) => { d[0].push(d[1]); return d[0]; } %}

statement -> %words %semi {% (d): RawStatement => statementOf(d[0], d[1]) %}
  | %words %lbrace statements %rbrace {% (d): RawStatement => ({ ...statementOf(d[0], d[1]), block: d[2], close: d[3] }) %}

@{%
function statementOf(words: WordsToken, end: RawStatement['end']): RawStatement {
  return { name: words.values[0], args: words.values.slice(1), end };
}
%}
