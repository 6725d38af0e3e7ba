// The Host header as nginx validates it (ngx_http_validate_host): lowercased, the port and one
// trailing dot removed; "..", "/", control characters or an empty name make the request bad.

/** The normalized host, or undefined when nginx answers 400 "client sent invalid host header". */
export function normalizeHost(value: string): string | undefined {
  let end = value.length;
  let dotPos = -2;
  let literal = false;
  let inPort = false;
  let upper = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x2e /* . */) {
      if (dotPos === i - 1) return undefined;
      dotPos = i;
    } else if (c === 0x3a /* : */) {
      if (!literal && !inPort) {
        end = i;
        inPort = true;
      }
    } else if (c === 0x5b /* [ */) {
      if (i === 0) literal = true;
    } else if (c === 0x5d /* ] */) {
      if (literal) {
        end = i + 1;
        literal = false;
        inPort = true;
      }
    } else if (c === 0x2f || c <= 0x20 || c === 0x7f) {
      return undefined;
    } else if (c >= 0x41 && c <= 0x5a) {
      upper = true;
    }
  }
  if (dotPos === end - 1) end--;
  if (end <= 0) return undefined;
  const host = end === value.length ? value : value.slice(0, end);
  return upper ? host.toLowerCase() : host;
}
