// The request target → $uri and $args, as nginx's ngx_http_parse_complex_uri does it: percent-
// escapes decoded (a decoded "%2F" is a slash like any other), "//" merged, "." and ".." resolved,
// and a ".." that would climb above "/" is a bad request. "%00" and a malformed escape are bad
// requests too. Backslashes are ordinary characters on Unix, as in nginx. Invalid UTF-8 (an
// overlong "%c0%ae") decodes to U+FFFD and so can never become "." or "/".

export interface RequestTarget {
  /** Normalized, decoded path; starts with "/". */
  uri: string;
  /** Raw query string without "?"; '' when absent. */
  args: string;
  /** The host of an absolute-form target ("GET http://host/path"), which overrides Host. */
  host: string | undefined;
}

const ABSOLUTE = /^[hH][tT][tT][pP][sS]?:\/\/([^/?]*)/;

/** Parses req.url; undefined means 400 (nginx: "client sent invalid request"). */
export function parseRequestTarget(url: string): RequestTarget | undefined {
  let host: string | undefined;
  let rest = url;
  if (url.charCodeAt(0) !== 0x2f /* / */) {
    const m = ABSOLUTE.exec(url);
    if (!m) return undefined;
    host = m[1];
    rest = url.slice(m[0].length);
    if (rest === '' || rest.charCodeAt(0) === 0x3f /* ? */) rest = '/' + rest;
  }
  const q = rest.indexOf('?');
  const rawPath = q < 0 ? rest : rest.slice(0, q);
  const args = q < 0 ? '' : rest.slice(q + 1);
  const uri = normalizePath(rawPath);
  if (uri === undefined) return undefined;
  return { uri, args, host };
}

/** Decodes and normalizes a path; undefined when nginx would answer 400. */
export function normalizePath(raw: string): string | undefined {
  if (isSimple(raw)) return raw;
  const decoded = percentDecode(raw);
  if (decoded === undefined) return undefined;
  return resolveDots(decoded);
}

// The common case (no escapes, no dot segments, no doubled slashes, ASCII) costs one scan.
function isSimple(p: string): boolean {
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c === 0x25 /* % */ || c > 0x7e || c < 0x21) return false;
    if (c === 0x2f /* / */) {
      const n = p.charCodeAt(i + 1);
      if (n === 0x2f || n === 0x2e /* . */) return false;
    }
  }
  return true;
}

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

function percentDecode(p: string): string | undefined {
  // req.url holds the raw bytes as latin1 characters; collect bytes, then read them as UTF-8.
  const bytes = Buffer.allocUnsafe(Buffer.byteLength(p, 'utf8'));
  let n = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c === 0x25) {
      const hi = hex(p.charCodeAt(i + 1));
      const lo = hex(p.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) return undefined;
      const b = (hi << 4) | lo;
      if (b === 0) return undefined;
      bytes[n++] = b;
      i += 2;
    } else if (c <= 0xff) {
      if (c === 0) return undefined;
      bytes[n++] = c;
    } else {
      n += bytes.write(p[i], n, 'utf8');
    }
  }
  return bytes.toString('utf8', 0, n);
}

function resolveDots(p: string): string | undefined {
  const segments = p.split('/');
  const out: string[] = [];
  // A path ending in "/", "/." or "/.." names a directory: keep the trailing slash.
  let trailing = false;
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i];
    const last = i === segments.length - 1;
    if (s === '' || s === '.') {
      if (last) trailing = true;
      continue;
    }
    if (s === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      if (last) trailing = true;
      continue;
    }
    out.push(s);
  }
  if (out.length === 0) return '/';
  return '/' + out.join('/') + (trailing ? '/' : '');
}

/**
 * A URI from an internal redirect (index, try_files, error_page): nginx uses it undecoded, but
 * "." and ".." segments are resolved here so that no variable can walk out of the root.
 */
export function resolveInternalUri(uri: string): string | undefined {
  if (!uri.startsWith('/') || uri.includes('\0')) return undefined;
  if (!uri.includes('/.') && !uri.includes('//')) return uri;
  return resolveDots(uri);
}

/**
 * ngx_escape_uri(NGX_ESCAPE_URI) of src/core/ngx_string.c, one bit per byte (1: escape): controls,
 * space, `"` `#` `%` `<` `>` `?` `\` `^` `` ` `` `{` `|` `}`, DEL and every byte ≥ 0x80 (the UTF-8
 * bytes of a decoded URI). What nginx escapes a decoded $uri with to put it in a URL again.
 */
const URI_ESCAPE = [0xffffffff, 0xd000002d, 0x50000000, 0xb8000001, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff];
const PERCENT_HEX = Array.from({ length: 256 }, (_, b) => '%' + b.toString(16).toUpperCase().padStart(2, '0'));

function mustEscape(byte: number): boolean {
  return ((URI_ESCAPE[byte >> 5] >>> (byte & 31)) & 1) === 1;
}

/** The characters of URI_ESCAPE, and every non-ASCII one: the common path has none. */
// eslint-disable-next-line no-control-regex
const HAS_URI_ESCAPE = /[\x00-\x20"#%<>?\\^`{|}\x7f-\uffff]/;

/** `path` (a decoded URI) escaped as nginx's ngx_escape_uri(NGX_ESCAPE_URI) escapes it. */
export function escapeUri(path: string): string {
  if (!HAS_URI_ESCAPE.test(path)) return path;
  let out = '';
  for (const byte of Buffer.from(path, 'utf8')) out += mustEscape(byte) ? PERCENT_HEX[byte] : String.fromCharCode(byte);
  return out;
}
