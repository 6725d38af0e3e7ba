// Formatted clocks, cached per second (a log line or a Date header never formats a date twice
// in the same second).
let cachedSecond = -1;
let errorLogTime = '';

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** "2026/11/24 15:49:30", local time, as nginx's error log prints it. */
export function errorLogTimestamp(now = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    const d = new Date(second * 1000);
    errorLogTime = `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} `
      + `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    cachedSecond = second;
  }
  return errorLogTime;
}
