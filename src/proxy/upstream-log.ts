// What $upstream_addr, $upstream_status, $upstream_response_time, $upstream_connect_time and
// $upstream_header_time show: one entry per peer tried, joined with ", " as nginx joins them.
// Times are seconds with millisecond precision; "-" where a phase was never reached. Numbers
// are recorded per request and formatted only when a log line asks for them.
//
// Almost every request tries one peer: its entry lives in plain fields, and the entries of
// earlier attempts move to lists only when there is a retry (no arrays per request).

export class UpstreamLog {
  /** Attempts begun. */
  private count = 0;
  // The current (last) attempt. Status 0: none; times in ms, -1: the phase was not reached.
  private lastAddr = '';
  private lastStatus = 0;
  private lastResponse = -1;
  private lastConnect = -1;
  private lastHeader = -1;
  /** Earlier attempts, oldest first: addr, then status, response, connect, header times. */
  private earlierAddrs: string[] | undefined;
  private earlierNumbers: number[] | undefined;

  /** Starts the entry of one attempt. */
  begin(addr: string): void {
    if (this.count > 0) {
      (this.earlierAddrs ??= []).push(this.lastAddr);
      (this.earlierNumbers ??= []).push(this.lastStatus, this.lastResponse, this.lastConnect, this.lastHeader);
    }
    this.count++;
    this.lastAddr = addr;
    this.lastStatus = 0;
    this.lastResponse = -1;
    this.lastConnect = -1;
    this.lastHeader = -1;
  }

  status(code: number): void { this.lastStatus = code; }
  connected(ms: number): void { this.lastConnect = ms; }
  headerReceived(ms: number): void { this.lastHeader = ms; }
  finished(ms: number): void { this.lastResponse = ms; }

  /** $upstream_addr */
  get addr(): string {
    if (this.count === 0) return '';
    return this.earlierAddrs === undefined ? this.lastAddr : [...this.earlierAddrs, this.lastAddr].join(', ');
  }

  /** $upstream_status */
  get statusText(): string { return this.join(0, this.lastStatus, statusText); }
  /** $upstream_response_time */
  get responseTime(): string { return this.join(1, this.lastResponse, seconds); }
  /** $upstream_connect_time */
  get connectTime(): string { return this.join(2, this.lastConnect, seconds); }
  /** $upstream_header_time */
  get headerTime(): string { return this.join(3, this.lastHeader, seconds); }

  /** The entries of one column (0 status … 3 header time), formatted and joined. */
  private join(column: number, last: number, format: (n: number) => string): string {
    if (this.count === 0) return '';
    const earlier = this.earlierNumbers;
    if (earlier === undefined) return format(last);
    const parts: string[] = [];
    for (let i = column; i < earlier.length; i += 4) parts.push(format(earlier[i]));
    parts.push(format(last));
    return parts.join(', ');
  }
}

function statusText(s: number): string {
  return s === 0 ? '-' : String(s);
}

function seconds(ms: number): string {
  return ms < 0 ? '-' : (ms / 1000).toFixed(3);
}
