// proxy_next_upstream: which failures of one peer send the request to the next one
// (nginx's NGX_HTTP_UPSTREAM_FT_* bits), and the status each failure answers with.

export const FT_ERROR = 0x2;
export const FT_TIMEOUT = 0x4;
export const FT_INVALID_HEADER = 0x8;
export const FT_HTTP_500 = 0x10;
export const FT_HTTP_502 = 0x20;
export const FT_HTTP_503 = 0x40;
export const FT_HTTP_504 = 0x80;
export const FT_HTTP_403 = 0x100;
export const FT_HTTP_404 = 0x200;
export const FT_HTTP_429 = 0x400;
export const FT_NON_IDEMPOTENT = 0x4000;
export const FT_OFF = 0x80000000;

export const NEXT_UPSTREAM_NAMES: Readonly<Record<string, number>> = {
  error: FT_ERROR, timeout: FT_TIMEOUT, invalid_header: FT_INVALID_HEADER,
  http_500: FT_HTTP_500, http_502: FT_HTTP_502, http_503: FT_HTTP_503, http_504: FT_HTTP_504,
  http_403: FT_HTTP_403, http_404: FT_HTTP_404, http_429: FT_HTTP_429,
  non_idempotent: FT_NON_IDEMPOTENT, off: FT_OFF,
};

/** The failure bit of an upstream response status that proxy_next_upstream can name. */
export const STATUS_FAILURES: ReadonlyMap<number, number> = new Map([
  [500, FT_HTTP_500], [502, FT_HTTP_502], [503, FT_HTTP_503], [504, FT_HTTP_504],
  [403, FT_HTTP_403], [404, FT_HTTP_404], [429, FT_HTTP_429],
]);

/** nginx's default: error timeout. */
export function nextUpstreamMask(names: readonly string[] | undefined): number {
  if (names === undefined) return FT_ERROR | FT_TIMEOUT;
  let mask = 0;
  for (const n of names) mask |= NEXT_UPSTREAM_NAMES[n];
  return mask & FT_OFF ? 0 : mask;
}

/** POST, LOCK and PATCH: passed to another peer only with `non_idempotent` once sent. */
export function isNonIdempotent(method: string | undefined): boolean {
  return method === 'POST' || method === 'LOCK' || method === 'PATCH';
}
