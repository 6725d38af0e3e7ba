// HTTP dates: formatting for Last-Modified, and ngx_parse_http_time's parser for the
// conditional headers (RFC 1123, RFC 850 and asctime forms; the weekday and zone are not
// checked, exactly as nginx does not check them).

/**
 * "Wed, 25 Nov 2026 09:00:00 GMT" for a time in whole seconds since the epoch (nginx's
 * ngx_http_time() takes a time_t too): the unit of parseHttpTime's answer, of Last-Modified and
 * Expires. The Date header's cached text is src/log/clock.ts's httpDateNow().
 */
export function httpDate(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toUTCString();
}

const MDAY = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

function twoDigits(s: string, i: number): number {
  const a = digit(s, i);
  const b = digit(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

function fourDigits(s: string, i: number): number {
  const hi = twoDigits(s, i);
  const lo = twoDigits(s, i + 2);
  return hi < 0 || lo < 0 ? -1 : hi * 100 + lo;
}

/** Seconds since the epoch, or -1 where nginx's parser returns NGX_ERROR. */
export function parseHttpTime(value: string): number {
  const end = value.length;
  let fmt: 'none' | 'rfc822' | 'rfc850' | 'isoc' = 'none';
  let p = 0;
  for (; p < end; p++) {
    const c = value.charCodeAt(p);
    if (c === 0x2c /* , */) break;
    if (c === 0x20) { fmt = 'isoc'; break; }
  }
  for (p++; p < end; p++) if (value.charCodeAt(p) !== 0x20) break;
  if (end - p < 18) return -1;

  let day = 0;
  if (fmt !== 'isoc') {
    day = twoDigits(value, p);
    if (day < 0) return -1;
    p += 2;
    const sep = value[p];
    if (sep === ' ') {
      if (end - p < 18) return -1;
      fmt = 'rfc822';
    } else if (sep === '-') {
      fmt = 'rfc850';
    } else {
      return -1;
    }
    p++;
  }

  let month: number;
  switch (value[p]) {
    case 'J': month = value[p + 1] === 'a' ? 0 : value[p + 2] === 'n' ? 5 : 6; break;
    case 'F': month = 1; break;
    case 'M': month = value[p + 2] === 'r' ? 2 : 4; break;
    case 'A': month = value[p + 1] === 'p' ? 3 : 7; break;
    case 'S': month = 8; break;
    case 'O': month = 9; break;
    case 'N': month = 10; break;
    case 'D': month = 11; break;
    default: return -1;
  }
  p += 3;
  if ((fmt === 'rfc822' && value[p] !== ' ') || (fmt === 'rfc850' && value[p] !== '-')) return -1;
  p++;

  let year = 0;
  if (fmt === 'rfc822') {
    year = fourDigits(value, p);
    if (year < 0) return -1;
    p += 4;
  } else if (fmt === 'rfc850') {
    year = twoDigits(value, p);
    if (year < 0) return -1;
    year += year < 70 ? 2000 : 1900;
    p += 2;
  }

  if (fmt === 'isoc') {
    if (value[p] === ' ') p++;
    day = digit(value, p++);
    if (day < 0) return -1;
    if (value[p] !== ' ') {
      const d = digit(value, p++);
      if (d < 0) return -1;
      day = day * 10 + d;
    }
    if (end - p < 14) return -1;
  }

  if (value[p++] !== ' ') return -1;
  const hour = twoDigits(value, p);
  p += 2;
  if (hour < 0 || value[p++] !== ':') return -1;
  const min = twoDigits(value, p);
  p += 2;
  if (min < 0 || value[p++] !== ':') return -1;
  const sec = twoDigits(value, p);
  if (sec < 0) return -1;

  if (fmt === 'isoc') {
    p += 2;
    if (value[p++] !== ' ') return -1;
    year = fourDigits(value, p);
    if (year < 0) return -1;
  }

  if (hour > 23 || min > 59 || sec > 59) return -1;
  if (day === 29 && month === 1) {
    if ((year & 3) !== 0 || (year % 100 === 0 && year % 400 !== 0)) return -1;
  } else if (day > MDAY[month]) {
    return -1;
  }
  return Date.UTC(year, month, day, hour, min, sec) / 1000;
}
