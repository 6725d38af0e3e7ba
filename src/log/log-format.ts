// log_format's escape= parameter (ngx_http_log_module): how a variable's value is written into a
// log line (src/http/access-log.ts compiles the formats with these); literal text is written as is.
//   escape=default: '"', '\' and bytes outside 0x20–0x7e as \xHH; an empty value is "-".
//   escape=json:    JSON string escaping; an empty value stays empty.
//   escape=none:    nothing escaped; an empty value stays empty.

const NEEDS_DEFAULT_ESCAPE = /["\\\x00-\x1f\x7f-\uffff]/;

export function escapeDefault(value: string): string {
  if (!NEEDS_DEFAULT_ESCAPE.test(value)) return value;
  let out = '';
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (c === 0x22 || c === 0x5c || c < 0x20 || c > 0x7e) {
      // Non-ASCII characters ($uri is decoded UTF-8) are escaped byte by byte, as nginx does.
      const bytes = c > 0x7f ? Buffer.from(ch, 'utf8') : [c];
      for (const b of bytes) out += '\\x' + b.toString(16).toUpperCase().padStart(2, '0');
    } else {
      out += ch;
    }
  }
  return out;
}

const NEEDS_JSON_ESCAPE = /["\\\x00-\x1f]/;
const JSON_SHORT: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

export function escapeJson(value: string): string {
  if (!NEEDS_JSON_ESCAPE.test(value)) return value;
  let out = '';
  for (const ch of value) {
    const c = ch.charCodeAt(0);
    if (JSON_SHORT[ch] !== undefined) out += JSON_SHORT[ch];
    else if (c < 0x20) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out;
}
