// nginx's range filter (ngx_http_range_filter_module): the Range header of a 200 response with
// a known length, honoured only when If-Range (if any) matches the ETag or equals Last-Modified.
// ngx_http_range_parse's rules, reproduced: "bytes=" in any case; blanks around numbers; a
// malformed list is 416; unsatisfiable parts are dropped (416 if none remains); ranges are kept
// as written (no sorting or coalescing); and when the parts add up to more than the file, the
// whole file is sent with 200, as nginx does against overlapping-range abuse.
import type { IncomingHttpHeaders } from 'node:http';
import { parseHttpTime } from './http-time.js';
import type { Validators } from './conditional.js';

/** One satisfiable part: [start, end) in bytes. */
export interface ByteRange {
  start: number;
  end: number;
}

/** No range applies: send the whole file (with Accept-Ranges). */
export const WHOLE = 0;
/** 416 with Content-Range: bytes *\/size. */
export const UNSATISFIABLE = 1;
export type RangeDecision = ByteRange[] | typeof WHOLE | typeof UNSATISFIABLE;

export function decideRanges(h: IncomingHttpHeaders, size: number, v: Validators): RangeDecision {
  const range = h.range;
  if (range === undefined || range.length < 7 || range.slice(0, 6).toLowerCase() !== 'bytes=') return WHOLE;
  // Node joins repeated headers into one string (only Set-Cookie is an array).
  const ifRange = h['if-range'] as string | undefined;
  if (ifRange !== undefined) {
    if (ifRange.length >= 2 && ifRange.charCodeAt(ifRange.length - 1) === 0x22 /* " */) {
      if (ifRange !== v.etag) return WHOLE;
    } else if (ifRange !== v.lastModified && parseHttpTime(ifRange) !== v.mtimeSec) {
      return WHOLE;
    }
  }
  return parseRangeSpec(range, 6, size);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** ngx_http_range_parse on the text after "bytes=". NaN (end of string) plays C's '\0'. */
export function parseRangeSpec(s: string, p: number, size: number): RangeDecision {
  const ranges: ByteRange[] = [];
  let total = 0;
  for (;;) {
    let start = 0;
    let end = 0;
    let suffix = false;
    while (s.charCodeAt(p) === 0x20) p++;
    let c = s.charCodeAt(p);
    let open = false;
    if (c !== 0x2d /* - */) {
      if (!isDigit(c)) return UNSATISFIABLE;
      while (isDigit((c = s.charCodeAt(p)))) {
        start = start * 10 + (c - 0x30);
        if (start > Number.MAX_SAFE_INTEGER) return UNSATISFIABLE;
        p++;
      }
      while (s.charCodeAt(p) === 0x20) p++;
      if (s.charCodeAt(p++) !== 0x2d) return UNSATISFIABLE;
      while (s.charCodeAt(p) === 0x20) p++;
      c = s.charCodeAt(p);
      if (c === 0x2c /* , */ || Number.isNaN(c)) {
        end = size;
        open = true;
      }
    } else {
      suffix = true;
      p++;
    }
    if (!open) {
      if (!isDigit(s.charCodeAt(p))) return UNSATISFIABLE;
      while (isDigit((c = s.charCodeAt(p)))) {
        end = end * 10 + (c - 0x30);
        if (end > Number.MAX_SAFE_INTEGER) return UNSATISFIABLE;
        p++;
      }
      while (s.charCodeAt(p) === 0x20) p++;
      c = s.charCodeAt(p);
      if (c !== 0x2c && !Number.isNaN(c)) return UNSATISFIABLE;
      if (suffix) {
        start = end < size ? size - end : 0;
        end = size - 1;
      }
      end = end >= size ? size : end + 1;
    }
    if (start < end) {
      ranges.push({ start, end });
      total += end - start;
    } else if (start === 0) {
      // An empty file, or "-0" on one: nginx declines the Range and sends the whole file.
      return WHOLE;
    }
    if (s.charCodeAt(p++) !== 0x2c) break;
  }
  if (ranges.length === 0) return UNSATISFIABLE;
  if (total > size) return WHOLE;
  return ranges;
}

let boundaryCounter = 0;

/**
 * nginx's boundary: ngx_next_temp_number(0), a counter from 1 printed as 20 zero-padded digits
 * ("00000000000000000001"). nginx shares it between workers; each ngts worker counts its own.
 */
export function nextBoundary(): string {
  boundaryCounter++;
  return String(boundaryCounter).padStart(20, '0');
}

/** The framing of a multipart/byteranges body, byte for byte as ngx_http_range_multipart_header. */
export interface MultipartFrame {
  contentType: string;
  /** Part headers, one per range, each followed by that range's bytes. */
  heads: Buffer[];
  tail: Buffer;
  length: number;
}

export function multipartFrame(ranges: ByteRange[], size: number, type: string): MultipartFrame {
  const boundary = nextBoundary();
  const common = `\r\n--${boundary}\r\nContent-Type: ${type}\r\nContent-Range: bytes `;
  const heads: Buffer[] = [];
  let length = 0;
  for (const r of ranges) {
    const head = Buffer.from(`${common}${r.start}-${r.end - 1}/${size}\r\n\r\n`, 'latin1');
    heads.push(head);
    length += head.length + (r.end - r.start);
  }
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1');
  length += tail.length;
  return { contentType: `multipart/byteranges; boundary=${boundary}`, heads, tail, length };
}
