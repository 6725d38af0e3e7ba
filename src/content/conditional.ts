// nginx's not_modified filter (ngx_http_not_modified_filter_module), in its order:
// If-Unmodified-Since, then If-Match → 412; then If-Modified-Since and If-None-Match → 304 only
// when every one of them that is present says "not modified". Two nginx rules surprise people:
// If-Modified-Since must equal Last-Modified exactly (`if_modified_since exact`, the default), so
// a later date gives 200; and an unparsable If-Unmodified-Since gives 412.
import type { IncomingHttpHeaders } from 'node:http';
import { parseHttpTime as parseTime } from './http-time.js';

export const enum Precondition {
  Proceed = 0,
  NotModified = 304,
  Failed = 412,
}

/** What the conditionals compare against: the cached file's validators. */
export interface Validators {
  /** mtime in whole seconds, as Last-Modified carries it. */
  mtimeSec: number;
  /** The Last-Modified string, to skip parsing when a client echoes it back unchanged. */
  lastModified: string;
  /** The strong ETag, quoted: "6b06a60c-14". */
  etag: string;
}

export function evaluatePreconditions(h: IncomingHttpHeaders, v: Validators): Precondition {
  const ius = h['if-unmodified-since'];
  if (ius !== undefined && !(ius === v.lastModified || parseTime(ius) >= v.mtimeSec)) return Precondition.Failed;
  const ifMatch = h['if-match'];
  if (ifMatch !== undefined && !etagListMatches(ifMatch, v.etag, false)) return Precondition.Failed;

  const ims = h['if-modified-since'];
  const inm = h['if-none-match'];
  if (ims === undefined && inm === undefined) return Precondition.Proceed;
  if (ims !== undefined && ims !== v.lastModified && parseTime(ims) !== v.mtimeSec) return Precondition.Proceed;
  if (inm !== undefined && !etagListMatches(inm, v.etag, true)) return Precondition.Proceed;
  return Precondition.NotModified;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * ngx_http_test_if_match: "*" alone matches; otherwise the list is scanned for our ETag, with
 * "W/" prefixes ignored only for If-None-Match (weak comparison). Like nginx, an entry is
 * compared by prefix and must be followed by optional blanks and "," or the end.
 */
export function etagListMatches(list: string, etag: string, weak: boolean): boolean {
  if (list === '*') return true;
  if (list === etag) return true;
  const end = list.length;
  let start = 0;
  while (start < end) {
    if (weak && end - start > 2 && list.charCodeAt(start) === 0x57 /* W */ && list.charCodeAt(start + 1) === 0x2f) {
      start += 2;
    }
    if (etag.length > end - start) return false;
    if (list.startsWith(etag, start)) {
      let p = start + etag.length;
      while (p < end && isSpace(list.charCodeAt(p))) p++;
      if (p === end || list.charCodeAt(p) === 0x2c /* , */) return true;
      start = p;
    }
    while (start < end && list.charCodeAt(start) !== 0x2c) start++;
    while (start < end) {
      const c = list.charCodeAt(start);
      if (c !== 0x20 && c !== 0x09 && c !== 0x2c) break;
      start++;
    }
  }
  return false;
}
