// One `server {}` compiled for request time: its own level settings, its location tree and its
// named locations.
import type { ServerConf } from '../config/types.js';
import { LocRuntime, type LevelCompiler } from './loc-runtime.js';
import { buildLocations, type LocationLevel, type LocationNode } from './location-tree.js';

export class VirtualServer {
  readonly level: LocRuntime;
  readonly locations: LocationLevel | undefined;
  readonly named = new Map<string, LocationNode>();
  /** The first name of server_name ($server_name); '' when it has none. */
  readonly serverName: string;

  constructor(readonly conf: ServerConf, compiler: LevelCompiler) {
    this.level = new LocRuntime(conf.loc, undefined, compiler);
    this.locations = buildLocations(conf.locations, (l, parent) => new LocRuntime(l.loc, l, compiler, parent), this.named);
    this.serverName = conf.serverNames[0] ?? '';
  }
}
