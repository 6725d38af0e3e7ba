// What $upstream_addr, $upstream_status, $upstream_response_time, $upstream_connect_time and
// $upstream_header_time show: one entry per peer tried, joined with ", " as nginx joins them.
// Times are seconds with millisecond precision; "-" where a phase was never reached.

export class UpstreamLog {
  readonly addrs: string[] = [];
  readonly statuses: string[] = [];
  readonly responseTimes: string[] = [];
  readonly connectTimes: string[] = [];
  readonly headerTimes: string[] = [];

  /** Starts the entry of one attempt. */
  begin(addr: string): void {
    this.addrs.push(addr);
    this.statuses.push('-');
    this.responseTimes.push('-');
    this.connectTimes.push('-');
    this.headerTimes.push('-');
  }

  private set(list: string[], value: string): void {
    list[list.length - 1] = value;
  }

  status(code: number): void { this.set(this.statuses, String(code)); }
  connected(ms: number): void { this.set(this.connectTimes, seconds(ms)); }
  headerReceived(ms: number): void { this.set(this.headerTimes, seconds(ms)); }
  finished(ms: number): void { this.set(this.responseTimes, seconds(ms)); }

  get addr(): string { return this.addrs.join(', '); }
  get statusText(): string { return this.statuses.join(', '); }
  get responseTime(): string { return this.responseTimes.join(', '); }
  get connectTime(): string { return this.connectTimes.join(', '); }
  get headerTime(): string { return this.headerTimes.join(', '); }
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}
