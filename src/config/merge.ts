// Inheritance, done once at load (nginx's merge_loc_conf): a level that does not set a field
// takes its parent's value; a list is inherited whole or not at all. The http level is filled
// with the defaults first, so every merged level has every inherited field.
import type { LocConf, MergedLocConf } from './types.js';

/** Fields that belong to the level that wrote them (content handlers and rewrite codes). */
const NOT_INHERITED: ReadonlySet<keyof LocConf> = new Set<keyof LocConf>(['tryFiles', 'return', 'proxyPass', 'stubStatus', 'checkStatus']);

export function defaultLocConf(prefix: string): MergedLocConf {
  return {
    root: { path: prefix + '/html', alias: false },
    index: ['index.html'],
    autoindex: false,
    errorPages: [],
    accessLogs: [{ path: prefix + '/logs/access.log', format: 'combined' }],
    keepaliveTimeout: 75_000,
    keepaliveRequests: 1000,
    clientMaxBodySize: 1024 * 1024,
    clientHeaderTimeout: 60_000,
    clientBodyTimeout: 60_000,
    sendTimeout: 60_000,
    largeClientHeaderBuffers: { number: 4, size: 8 * 1024 },
    addHeaders: [],
    expires: { kind: 'off' },
    absoluteRedirect: true,
    portInRedirect: true,
    serverNameInRedirect: false,
    logNotFound: true,
    serverTokens: true,
    sendfile: false,
    openFileCache: null,
    openFileCacheValid: 60_000,
    openFileCacheMinUses: 1,
    openFileCacheErrors: false,
    tcpNopush: false,
    tcpNodelay: true,
    defaultType: 'text/plain',
    types: null,
    proxySetHeaders: [],
    clientBodyTempPath: prefix + '/client_body_temp',
    proxyTempPath: prefix + '/proxy_temp',
  };
}

export function mergeLocConf(child: LocConf, parent: LocConf): MergedLocConf {
  const merged: LocConf = { ...child };
  for (const key of Object.keys(parent) as (keyof LocConf)[]) {
    if (merged[key] === undefined && !NOT_INHERITED.has(key)) {
      (merged as Record<string, unknown>)[key] = parent[key];
    }
  }
  if (merged.keepaliveHeaderTimeout === undefined && child.keepaliveTimeout !== undefined) {
    delete merged.keepaliveHeaderTimeout;
  }
  return merged as MergedLocConf;
}
