// nginx's location matching (ngx_http_core_find_location), built once per config generation:
//   1. an exact ("=") location equal to the URI wins at once;
//   2. otherwise the longest matching prefix is remembered (a character trie, one walk of the URI)
//      and its nested locations are searched the same way;
//   3. unless that prefix is "^~", the regex locations of the level are tried in config order and
//      the first match wins (its nested locations are searched in turn);
//   4. otherwise the remembered prefix (or what its nested locations chose).
// Named locations (@name) never match a URI; they are reached only by internal redirects.
import type { LocationConf } from '../config/types.js';
import { pcreToJs } from '../config/regex.js';
import type { LocRuntime } from './loc-runtime.js';

export interface LocationNode {
  readonly conf: LocationConf;
  readonly regex: RegExp | undefined;
  readonly level: LocRuntime;
  readonly children: LocationLevel | undefined;
}

interface TrieNode {
  next: Map<number, TrieNode> | undefined;
  location: LocationNode | undefined;
}

/** The outcome of a search: `final` when no regex of an outer level may override it. */
interface Match {
  node: LocationNode;
  captures: RegExpExecArray | null;
  final: boolean;
}

export class LocationLevel {
  private readonly exact = new Map<string, LocationNode>();
  private readonly trie: TrieNode = { next: undefined, location: undefined };
  private readonly regexes: LocationNode[] = [];

  constructor(nodes: readonly LocationNode[]) {
    for (const n of nodes) {
      const { modifier, pattern } = n.conf;
      if (modifier === '=') this.exact.set(pattern, n);
      else if (modifier === '' || modifier === '^~') this.insert(pattern, n);
      else if (modifier === '~' || modifier === '~*') this.regexes.push(n);
    }
  }

  private insert(prefix: string, node: LocationNode): void {
    let t = this.trie;
    for (let i = 0; i < prefix.length; i++) {
      const c = prefix.charCodeAt(i);
      t.next ??= new Map();
      let child = t.next.get(c);
      if (!child) {
        child = { next: undefined, location: undefined };
        t.next.set(c, child);
      }
      t = child;
    }
    t.location = node;
  }

  private longestPrefix(uri: string): LocationNode | undefined {
    let t: TrieNode | undefined = this.trie;
    let best = t.location;
    for (let i = 0; i < uri.length && t.next; i++) {
      t = t.next.get(uri.charCodeAt(i));
      if (!t) break;
      if (t.location) best = t.location;
    }
    return best;
  }

  find(uri: string): Match | undefined {
    const exact = this.exact.get(uri);
    if (exact) return { node: exact, captures: null, final: true };
    let found: Match | undefined;
    let noregex = false;
    const prefix = this.longestPrefix(uri);
    if (prefix) {
      noregex = prefix.conf.modifier === '^~';
      found = { node: prefix, captures: null, final: false };
      const nested = prefix.children?.find(uri);
      if (nested) {
        if (nested.final) return nested;
        found = nested;
      }
    }
    if (!noregex) {
      for (let i = 0; i < this.regexes.length; i++) {
        const node = this.regexes[i];
        const m = node.regex!.exec(uri);
        if (!m) continue;
        const nested = node.children?.find(uri);
        if (nested) return { node: nested.node, captures: nested.captures ?? m, final: true };
        return { node, captures: m, final: true };
      }
    }
    return found;
  }
}

/** Builds the tree of a server's locations; `compile` makes each location's runtime settings. */
export function buildLocations(
  confs: readonly LocationConf[],
  compile: (conf: LocationConf, parent: LocRuntime | undefined) => LocRuntime,
  named: Map<string, LocationNode>,
  parent?: LocRuntime,
): LocationLevel | undefined {
  if (confs.length === 0) return undefined;
  const nodes: LocationNode[] = confs.map((conf) => {
    const regex = conf.modifier === '~' || conf.modifier === '~*'
      ? new RegExp(pcreToJs(conf.pattern), conf.modifier === '~*' ? 'i' : '')
      : undefined;
    const level = compile(conf, parent);
    const node: LocationNode = {
      conf,
      regex,
      level,
      children: buildLocations(conf.locations, compile, named, level),
    };
    if (conf.modifier === '@') named.set(conf.pattern, node);
    return node;
  });
  return new LocationLevel(nodes);
}
