// The syntax tree of a configuration: directives with their arguments and blocks, each
// remembering where it came from. Only src/config reads it; the runtime reads Config.

/** A token as the lexer hands it to the grammar. */
export interface RawToken {
  type: string;
  text: string;
  value: string;
  offset: number;
  line: number;
  col: number;
}

export interface RawStatement {
  name: RawToken;
  args: RawToken[];
  end: RawToken;
  block?: RawStatement[];
  close?: RawToken;
}

export interface Position {
  line: number;
  col: number;
}

export interface Directive {
  name: string;
  args: string[];
  /** Which arguments were quoted: `server_name ""` is an argument, a bare word never empty. */
  quoted: boolean[];
  block?: Directive[];
  /** The file as nginx names it in messages (absolute), or "command line" for -g. */
  file: string;
  /** The line nginx reports for this directive: where its ";" or "{" stood. */
  line: number;
  /** Where the name and each argument start, for carets under the offending token. */
  namePos: Position;
  argPos: Position[];
}
