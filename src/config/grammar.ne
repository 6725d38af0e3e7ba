# nginx.conf structure: statements, each a directive name with arguments ending in ";" or
# in a block. Tokens come from src/config/lexer.ts through the filtering lexer in parse.ts
# (white space and comments never reach the grammar). One parse per input: the list rules are
# left-recursive and the grammar has no ambiguity, which keeps nearley linear.
@preprocessor typescript

@{%
import { significantLexer } from './token-stream.js';
import type { RawStatement, RawToken } from './ast.js';
const lexer = significantLexer;
%}

@lexer lexer

main -> statements {% id %}

statements -> null {% () => [] %}
  | statements statement {% (d) => { d[0].push(d[1]); return d[0]; } %}

statement -> value args %semi {% (d): RawStatement => ({ name: d[0], args: d[1], end: d[2] }) %}
  | value args %lbrace statements %rbrace {% (d): RawStatement => ({ name: d[0], args: d[1], end: d[2], block: d[3], close: d[4] }) %}

args -> null {% () => [] %}
  | args value {% (d) => { d[0].push(d[1]); return d[0]; } %}

value -> %word {% (d): RawToken => d[0] %}
  | %dq {% (d): RawToken => d[0] %}
  | %sq {% (d): RawToken => d[0] %}
