// What $upstream_addr, $upstream_status, $upstream_response_time, $upstream_connect_time and
// $upstream_header_time show: one entry per peer tried, joined with ", " as nginx joins them.
// Times are seconds with millisecond precision; "-" where a phase was never reached. Numbers
// are recorded per request and formatted only when a log line asks for them.

export class UpstreamLog {
  readonly addrs: string[] = [];
  /** Status per attempt; 0 when none. */
  readonly statuses: number[] = [];
  /** Milliseconds per attempt; -1 when the phase was not reached. */
  readonly responseTimes: number[] = [];
  readonly connectTimes: number[] = [];
  readonly headerTimes: number[] = [];

  /** Starts the entry of one attempt. */
  begin(addr: string): void {
    this.addrs.push(addr);
    this.statuses.push(0);
    this.responseTimes.push(-1);
    this.connectTimes.push(-1);
    this.headerTimes.push(-1);
  }

  status(code: number): void { this.statuses[this.statuses.length - 1] = code; }
  connected(ms: number): void { this.connectTimes[this.connectTimes.length - 1] = ms; }
  headerReceived(ms: number): void { this.headerTimes[this.headerTimes.length - 1] = ms; }
  finished(ms: number): void { this.responseTimes[this.responseTimes.length - 1] = ms; }

  /** $upstream_addr */
  get addr(): string { return this.addrs.join(', '); }
  /** $upstream_status */
  get statusText(): string { return this.statuses.map((s) => (s === 0 ? '-' : String(s))).join(', '); }
  /** $upstream_response_time */
  get responseTime(): string { return times(this.responseTimes); }
  /** $upstream_connect_time */
  get connectTime(): string { return times(this.connectTimes); }
  /** $upstream_header_time */
  get headerTime(): string { return times(this.headerTimes); }
}

function times(list: readonly number[]): string {
  return list.map((ms) => (ms < 0 ? '-' : (ms / 1000).toFixed(3))).join(', ');
}
