// ngx_http_stub_status_module's page, byte for byte (checked against nginx 1.22): note the
// trailing spaces. The numbers are every worker's, summed by the master.
import type { ConnectionCounters } from './snapshot.js';

export function stubStatusText(c: ConnectionCounters): string {
  const waiting = Math.max(0, c.active - c.reading - c.writing);
  return `Active connections: ${c.active} \nserver accepts handled requests\n ${c.accepted} ${c.handled} ${c.requests} \n`
    + `Reading: ${c.reading} Writing: ${c.writing} Waiting: ${waiting} \n`;
}
