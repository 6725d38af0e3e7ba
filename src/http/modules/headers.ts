// ngx_http_headers_filter_module: add_header and expires, as a header filter. A level with
// neither has no state here, so its responses keep the core's fast header path.
import type { ExpiresConf } from '../../config/types.js';
import { httpDate } from '../../content/http-time.js';
import { defineHttpModule } from '../module.js';
import type { HttpRequest } from '../request.js';
import type { NgtsResponse } from '../response.js';
import { isSafeStatus } from '../special-response.js';
import { compileTemplate, type Template } from '../variables.js';

interface CompiledHeader {
  name: string;
  value: Template;
  always: boolean;
}

interface HeadersState {
  addHeaders: readonly CompiledHeader[];
  expires: ExpiresConf;
}

// "Thu, 31 Dec 2037 23:55:55 GMT" and 10 years, as nginx's `expires max` writes them.
const EXPIRES_MAX = 'Thu, 31 Dec 2037 23:55:55 GMT';
const EXPIRES_EPOCH = 'Thu, 01 Jan 1970 00:00:01 GMT';

// eslint-disable-next-line no-control-regex
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

export const headersModule = defineHttpModule<HeadersState>({
  name: 'headers',
  compileLevel({ conf, templates }) {
    if (conf.addHeaders.length === 0 && conf.expires.kind === 'off') return undefined;
    return {
      addHeaders: conf.addHeaders.map((h) => ({ name: h.name, value: compileTemplate(h.value, templates), always: h.always })),
      expires: conf.expires,
    };
  },
  headerFilter: headersFilter,
});

function headersFilter(r: HttpRequest, res: NgtsResponse, status: number, state: HeadersState): void {
  const safe = isSafeStatus(status);
  if (safe && state.expires.kind !== 'off') setExpires(res, state.expires);
  const list = state.addHeaders;
  for (let i = 0; i < list.length; i++) {
    const h = list[i];
    if (!safe && !h.always) continue;
    const value = h.value.evaluate(r);
    // A value from variables may hold characters no header can carry: nginx would send them
    // raw; node refuses them, so the header is left out rather than failing the response.
    if (value !== '' && !INVALID_HEADER_VALUE.test(value)) res.appendHeader(h.name, value);
  }
}

// ngx_http_set_expires: Expires and Cache-Control, from the access time or Last-Modified.
function setExpires(res: NgtsResponse, e: ExpiresConf): void {
  if (e.kind === 'max') {
    res.setHeader('Expires', EXPIRES_MAX);
    res.setHeader('Cache-Control', 'max-age=315360000');
    return;
  }
  if (e.kind === 'epoch') {
    res.setHeader('Expires', EXPIRES_EPOCH);
    res.setHeader('Cache-Control', 'no-cache');
    return;
  }
  if (e.kind === 'off') return;
  const now = Math.floor(Date.now() / 1000);
  let expiresAt: number;
  let maxAge: number;
  if (e.kind === 'daily') {
    expiresAt = nextTimeOfDay(now, e.seconds);
    maxAge = expiresAt - now;
  } else {
    const lm = e.kind === 'modified' ? Date.parse(String(res.getHeader('Last-Modified') ?? '')) : NaN;
    if (Number.isNaN(lm)) {
      maxAge = e.seconds;
      expiresAt = now + e.seconds;
    } else {
      expiresAt = Math.floor(lm / 1000) + e.seconds;
      maxAge = expiresAt - now;
    }
  }
  res.setHeader('Expires', httpDate(expiresAt));
  const negative = (e.kind !== 'daily' && e.seconds < 0) || maxAge < 0;
  res.setHeader('Cache-Control', negative ? 'no-cache' : `max-age=${maxAge}`);
}

/** ngx_next_time: the next moment (local time) at `secondsOfDay` after `now`. */
function nextTimeOfDay(now: number, secondsOfDay: number): number {
  const d = new Date(now * 1000);
  d.setHours(0, 0, 0, 0);
  let t = Math.floor(d.getTime() / 1000) + secondsOfDay;
  if (t <= now) {
    d.setDate(d.getDate() + 1);
    t = Math.floor(d.getTime() / 1000) + secondsOfDay;
  }
  return t;
}
