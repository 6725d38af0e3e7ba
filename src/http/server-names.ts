// Virtual server selection for one listen address (ngx_http_find_virtual_server), with lookup
// tables built at load: the exact name; then the longest leading wildcard ("*.example.com", and
// ".example.com", which also matches "example.com" itself); then the longest trailing wildcard
// ("mail.*"); then the first regex in config order; else the address's default server.
import { pcreToJs } from '../config/regex.js';
import type { VirtualServer } from './virtual-server.js';

interface HeadWildcard {
  server: VirtualServer;
  /** ".example.com" also matches "example.com"; "*.example.com" needs a label in front. */
  matchesBare: boolean;
}

export interface ServerMatch {
  server: VirtualServer;
  captures: RegExpExecArray | null;
}

export class ServerNameTable {
  private readonly exact = new Map<string, VirtualServer>();
  private readonly head = new Map<string, HeadWildcard>();
  private readonly tail = new Map<string, VirtualServer>();
  private readonly regexes: { re: RegExp; server: VirtualServer }[] = [];
  private readonly defaultMatch: ServerMatch;

  /** `servers` in config order; the first claim of a name wins, as nginx warns and ignores later ones. */
  constructor(servers: readonly VirtualServer[], readonly defaultServer: VirtualServer) {
    this.defaultMatch = { server: defaultServer, captures: null };
    for (const server of servers) {
      for (const name of server.conf.serverNames) this.add(name, server);
    }
  }

  private add(name: string, server: VirtualServer): void {
    if (name.startsWith('~')) {
      this.regexes.push({ re: new RegExp(pcreToJs(name.slice(1))), server });
    } else if (name.startsWith('*.')) {
      const key = name.slice(2);
      if (!this.head.has(key)) this.head.set(key, { server, matchesBare: false });
    } else if (name.startsWith('.')) {
      const key = name.slice(1);
      const prev = this.head.get(key);
      if (!prev) this.head.set(key, { server, matchesBare: true });
    } else if (name.endsWith('.*')) {
      const key = name.slice(0, -2);
      if (!this.tail.has(key)) this.tail.set(key, server);
    } else if (!this.exact.has(name)) {
      this.exact.set(name, server);
    }
  }

  /** `host` is already normalized (see host.ts); '' for a request without Host. */
  select(host: string): ServerMatch {
    const exact = this.exact.get(host);
    if (exact) return { server: exact, captures: null };
    if (host === '') return this.defaultMatch;
    if (this.head.size > 0) {
      const bare = this.head.get(host);
      if (bare?.matchesBare) return { server: bare.server, captures: null };
      // Longest suffix first: cut one leading label at a time.
      for (let dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
        const w = this.head.get(host.slice(dot + 1));
        if (w) return { server: w.server, captures: null };
      }
    }
    if (this.tail.size > 0) {
      for (let dot = host.lastIndexOf('.'); dot > 0; dot = host.lastIndexOf('.', dot - 1)) {
        const server = this.tail.get(host.slice(0, dot));
        if (server) return { server, captures: null };
      }
    }
    for (let i = 0; i < this.regexes.length; i++) {
      const m = this.regexes[i].re.exec(host);
      if (m) return { server: this.regexes[i].server, captures: m };
    }
    return this.defaultMatch;
  }
}
