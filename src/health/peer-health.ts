// What the master knows about each checked peer, and the part of it workers need. Keyed by
// upstream name + peer address (STYLE §10), so a reload finds the state of the peers it keeps.

/** The mark a worker applies with setPeerCheckDown. */
export interface PeerMark {
  upstream: string;
  address: string;
  down: boolean;
}

/** One checked peer as the status page shows it (plain data: it crosses IPC). */
export interface PeerHealth extends PeerMark {
  type: 'tcp' | 'http';
  /** The port probed (the peer's own unless `check port=`). */
  port: number;
  weight: number;
  backup: boolean;
  /** Consecutive successful / failed checks (Tengine's rise and fall counts). */
  rise: number;
  fall: number;
  checks: number;
  /** Epoch ms of the last verdict, 0 before the first. */
  lastCheck: number;
  lastOk: boolean | null;
  lastResult: string;
  /** The last RESPONSE_TIMES probe durations (ms), oldest first. */
  responseTimes: number[];
}

export const RESPONSE_TIMES = 20;

export function peerKey(upstream: string, address: string): string {
  return upstream + ' ' + address;
}
