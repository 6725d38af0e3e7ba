// nginx's value syntaxes: times ("500ms", "10s", "1h 30m"), sizes ("512", "8k", "10m"),
// flags ("on"/"off"), numbers. Each returns undefined for an invalid value so the caller can
// word the error the way nginx words it for that directive.

const TIME_UNITS: Record<string, number> = {
  ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, M: 2_592_000_000, y: 31_536_000_000,
};

/** A time in milliseconds (ngx_parse_time): units may be combined, a bare number is seconds. */
export function parseTime(text: string): number | undefined {
  if (text === '') return undefined;
  const re = /(\d+)(ms|s|m|h|d|w|M|y)?\s*/y;
  let total = 0;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return undefined;
    total += Number(m[1]) * TIME_UNITS[m[2] ?? 's'];
    pos = re.lastIndex;
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/** A time in whole seconds or more, as ngx_parse_time(…, 1) reads it ("ms" is refused); in ms. */
export function parseSeconds(text: string): number | undefined {
  return text.includes('ms') ? undefined : parseTime(text);
}

/** A size in bytes (ngx_parse_size): a number with an optional k/K, m/M or g/G. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+)([kKmMgG]?)$/.exec(text);
  if (!m) return undefined;
  const scale = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  const value = Number(m[1]) * scale;
  return Number.isSafeInteger(value) ? value : undefined;
}

export function parseFlag(text: string): boolean | undefined {
  const lower = text.toLowerCase();
  if (lower === 'on') return true;
  if (lower === 'off') return false;
  return undefined;
}

/** A non-negative integer (ngx_atoi), or undefined. */
export function parseNumber(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** "host:port", "[v6]:port", "host", "port" — as ngx_parse_url splits them. */
export interface HostPort {
  host: string | undefined;
  port: number | undefined;
  portText: string | undefined;
}

export function splitHostPort(text: string): HostPort | undefined {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return undefined;
    const host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest === '') return { host, port: undefined, portText: undefined };
    if (!rest.startsWith(':')) return undefined;
    return { host, port: parsePort(rest.slice(1)), portText: rest.slice(1) };
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) {
    if (/^\d+$/.test(text)) return { host: undefined, port: parsePort(text), portText: text };
    return { host: text, port: undefined, portText: undefined };
  }
  const portText = text.slice(colon + 1);
  return { host: text.slice(0, colon), port: parsePort(portText), portText };
}

function parsePort(text: string): number | undefined {
  const n = parseNumber(text);
  return n !== undefined && n >= 1 && n <= 65535 ? n : undefined;
}
