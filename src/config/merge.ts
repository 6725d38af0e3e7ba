// Inheritance, done once at load (nginx's merge_loc_conf): a level that does not set a field
// takes its parent's value unless its module declared the field not inherited; a list is
// inherited whole or not at all. The http level is filled with every module's defaults first, so
// every merged level has every defaulted field. The rules are the modules' own declarations
// (src/config/fields.ts, next to each directive table).
import { configModules } from './directives/index.js';
import type { LocConf, MergedLocConf } from './types.js';

type Level = Record<string, unknown>;

const fieldRules = configModules.flatMap((m) => Object.entries(m.fields).map(([key, field]) => ({ key, field })));
const notInherited: ReadonlySet<string> = new Set(fieldRules.filter((f) => !f.field.inherit).map((f) => f.key));
const mergeHooks = configModules.filter((m) => m.merge !== undefined);

/** Each module's defaults for the http level (relative paths resolved against `prefix`). */
export function defaultLocConf(prefix: string): MergedLocConf {
  const level: Level = {};
  for (const { key, field } of fieldRules) if (field.initial !== undefined) level[key] = field.initial(prefix);
  return level as MergedLocConf;
}

export function mergeLocConf(child: LocConf, parent: LocConf): MergedLocConf {
  const merged: Level = { ...child };
  const from = parent as Level;
  for (const key of Object.keys(from)) {
    if (merged[key] === undefined && !notInherited.has(key)) merged[key] = from[key];
  }
  for (const m of mergeHooks) m.merge!(merged, child as Level, from);
  return merged as MergedLocConf;
}
