// How the upstream request's header block gets written. node's client always writes
// "HTTP/1.1" and builds the block from its header store; ngts instead hands the request's
// _storeHeader the block it computed as one list (upstreamRequestHeaderList: no setHeader per
// header, no copies of the headers object), and rewrites the request line for
// proxy_http_version 1.0 (nginx's default).
import { replaceStoreHeader, storeHeader, type StoreHeader } from '../node-internals.js';
import http from 'node:http';

/**
 * The attempt an upstream request (and its socket and response) belongs to. The writer reads
 * the attempt's header list through it when node stores the header block; attempt.ts sets it.
 */
export const ATTEMPT = Symbol('ngts.upstreamAttempt');

/** What the writer needs of the attempt. */
export interface HeaderListSource {
  /** The header block as one list for _storeHeader, or undefined: node's store as usual. */
  headerList: string[] | undefined;
}


type ListCarryingRequest = http.ClientRequest & { [ATTEMPT]?: HeaderListSource };

/** What node's client is given as headers when the attempt writes its own list. */
export const HOST_PLACEHOLDER = '-';

/**
 * proxy_http_version 1.0 (nginx's default): node's client always writes "HTTP/1.1" in the
 * request line, so the line is rewritten as the header block is stored.
 */
function http10Line(firstLine: string): string {
  return firstLine.endsWith(' HTTP/1.1\r\n') ? firstLine.slice(0, -10) + 'HTTP/1.0\r\n' : firstLine;
}

function storeHeaderHttp10(this: unknown, firstLine: string, headers: unknown): void {
  storeHeader!.call(this, http10Line(firstLine), headers);
}

/** The attempt's header list instead of node's store (which holds only the placeholder host). */
function storeHeaderList(this: unknown, firstLine: string): void {
  storeHeader!.call(this, firstLine, (this as ListCarryingRequest)[ATTEMPT]!.headerList);
}

function storeHeaderListHttp10(this: unknown, firstLine: string): void {
  storeHeader!.call(this, http10Line(firstLine), (this as ListCarryingRequest)[ATTEMPT]!.headerList);
}

function setStoreHeader(proxyReq: http.ClientRequest, store: StoreHeader): void {
  if (typeof storeHeader !== 'function') return;
  replaceStoreHeader(proxyReq, store);
}

/**
 * Makes `proxyReq` write its header block from the attempt's list (when it has one; the attempt
 * must be set on the request under ATTEMPT before node stores the headers) and, with
 * `http10`, say HTTP/1.0. Shared functions: nothing is made per request.
 */
export function writeUpstreamHeaders(proxyReq: http.ClientRequest, fromList: boolean, http10: boolean): void {
  if (fromList) setStoreHeader(proxyReq, http10 ? storeHeaderListHttp10 : storeHeaderList);
  else if (http10) setStoreHeader(proxyReq, storeHeaderHttp10);
}
