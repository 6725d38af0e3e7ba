// The clocks, formatted once per second (nginx's ngx_cached_*_time): the Date header,
// $time_local, $time_iso8601 and the error log's timestamp. Formatting a date per request (or
// per error-log line) would dominate a small static response.
import { httpDate } from '../content/http-time.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

let second = -1;
let httpDateText = '';
let timeLocal = '';
let iso8601 = '';
let errorLogTime = '';

function pad(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function offset(d: Date, colon: boolean): string {
  const minutes = -d.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return sign + pad(Math.floor(abs / 60)) + (colon ? ':' : '') + pad(abs % 60);
}

function refresh(now: number): void {
  const s = Math.floor(now / 1000);
  if (s === second) return;
  second = s;
  const d = new Date(s * 1000);
  httpDateText = httpDate(s);
  const hms = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const month = pad(d.getMonth() + 1);
  const day = pad(d.getDate());
  timeLocal = `${day}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${hms} ${offset(d, false)}`;
  iso8601 = `${d.getFullYear()}-${month}-${day}T${hms}${offset(d, true)}`;
  errorLogTime = `${d.getFullYear()}/${month}/${day} ${hms}`;
}

/** "Wed, 25 Nov 2026 09:15:30 GMT" (the Date header). */
export function httpDateNow(now = Date.now()): string {
  refresh(now);
  return httpDateText;
}

/** "25/Nov/2026:09:13:16 +0000" ($time_local). */
export function timeLocalNow(now = Date.now()): string {
  refresh(now);
  return timeLocal;
}

/** "2026-11-25T09:13:16+00:00" ($time_iso8601). */
export function timeIso8601Now(now = Date.now()): string {
  refresh(now);
  return iso8601;
}

/** "2026/11/24 15:49:30", local time, as nginx's error log prints it. */
export function errorLogTimestamp(now = Date.now()): string {
  refresh(now);
  return errorLogTime;
}
