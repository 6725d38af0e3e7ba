import type { DirectiveSpec } from './spec.js';

// Module-owned configuration (nginx's create_loc_conf / merge_loc_conf): each module declares,
// next to its directive table, the loc_conf fields its directives fill — the field's default and
// whether a level that does not set it inherits it. merge.ts applies every module's declarations
// once at load; the typed LocConf / MergedLocConf (types.ts) are derived from them, so adding a
// directive's field touches its module's file only.

/**
 * One loc_conf field. `T` is its value; `D` says whether it always has a value once merged
 * (a default filled in at the http level) or may stay unset.
 */
export interface Field<T, D extends boolean> {
  /** A level that does not set the field takes its parent's value (a list whole or not at all). */
  readonly inherit: boolean;
  /** nginx's default, made for the http level from the -p prefix. */
  readonly initial?: (prefix: string) => T;
  /** Type carriers only: never set. */
  readonly valueType?: T;
  readonly defaulted?: D;
}

/** Inherited, with nginx's default when no level sets it. */
export function inherited<T>(initial: T): Field<T, true> {
  return { inherit: true, initial: () => initial };
}

/** Inherited, with a default that depends on the prefix (root, temp paths, log paths). */
export function inheritedFromPrefix<T>(initial: (prefix: string) => T): Field<T, true> {
  return { inherit: true, initial };
}

/** Inherited, unset unless some level sets it. */
export function inheritedUnset<T>(): Field<T, false> {
  return { inherit: true };
}

/** Belongs to the level that wrote it (content handlers, rewrite codes): never inherited. */
export function notInherited<T>(): Field<T, false> {
  return { inherit: false };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Fields = Record<string, Field<any, boolean>>;

type ValueOf<F> = F extends Field<infer T, boolean> ? T : never;
type DefaultedKeys<F extends Fields> = { [K in keyof F]: F[K] extends Field<unknown, true> ? K : never }[keyof F];

/** A level as its directives fill it: every field unset until a directive sets it. */
export type DraftOf<F extends Fields> = { [K in keyof F]?: ValueOf<F[K]> };

/** A merged level: fields with a default always have a value. */
export type MergedOf<F extends Fields> =
  & { [K in DefaultedKeys<F>]: ValueOf<F[K]> }
  & { [K in Exclude<keyof F, DefaultedKeys<F>>]?: ValueOf<F[K]> };

/**
 * What a module's configuration side is: its directive table rows are listed in
 * directives/index.ts; its fields and merge hook are applied by merge.ts.
 */
export interface ConfigModule<F extends Fields = Fields> {
  readonly name: string;
  /** Its directive table (nginx's ngx_command_t array). */
  readonly directives: readonly DirectiveSpec[];
  /** Its loc_conf fields (server and location levels have the same shape, as in nginx). */
  readonly fields: F;
  /**
   * nginx's merge_loc_conf beyond "inherit when unset", for fields that depend on each other
   * (keepalive_timeout's second value goes with its first). Runs after the plain merge.
   */
  merge?(merged: Record<string, unknown>, child: Record<string, unknown>, parent: Record<string, unknown>): void;
}
