// Tokens of nginx's configuration language, with nginx's lexical rules (ngx_conf_read_token):
// a bare word ends at white space, ";" or "{" — not at "}" nor "#", which are only special
// at the start of a token; "${" is part of a word; "\x" escapes any byte; quoted strings may
// span lines. Line numbers stay right because every token that can contain "\n" declares
// lineBreaks.
import moo from 'moo';

export const lexerRules = {
  ws: { match: /\s+/, lineBreaks: true },
  comment: /#[^\n]*/,
  lbrace: '{',
  rbrace: '}',
  semi: ';',
  dq: { match: /"(?:\\[\s\S]|[^"\\])*"/, lineBreaks: true, value: (text: string) => tokenValue('dq', text) },
  sq: { match: /'(?:\\[\s\S]|[^'\\])*'/, lineBreaks: true, value: (text: string) => tokenValue('sq', text) },
  word: {
    match: /(?:\\[\s\S]|\$\{|[^\s;{}"'#\\])(?:\\[\s\S]|\$\{|[^\s;{\\])*/,
    lineBreaks: true,
    value: (text: string) => tokenValue('word', text),
  },
  // An unterminated quote or a trailing lone backslash: reported as "unexpected end of file".
  unterminated: { match: /["'\\][\s\S]*/, lineBreaks: true },
} as const;

export type TokenType = keyof typeof lexerRules;

export function createMooLexer(): moo.Lexer {
  return moo.compile(lexerRules as unknown as moo.Rules);
}

/**
 * The value of a word or a quoted string as nginx stores it: quotes removed, and only
 * \" \' \\ \t \r \n unescaped; any other backslash stays (so regexes like "\.php$" survive).
 */
export function tokenValue(type: string, text: string): string {
  let body = text;
  if (type === 'dq' || type === 'sq') body = text.slice(1, -1);
  if (body.indexOf('\\') === -1) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== '\\' || i + 1 >= body.length) {
      out += ch;
      continue;
    }
    const next = body[i + 1];
    switch (next) {
      case '"': case "'": case '\\': out += next; i++; break;
      case 't': out += '\t'; i++; break;
      case 'r': out += '\r'; i++; break;
      case 'n': out += '\n'; i++; break;
      default: out += ch;
    }
  }
  return out;
}
