// nginx's wording for upstream failures in the error log ("connect() failed (111: Connection
// refused) while connecting to upstream"), and which proxy_next_upstream condition each is.
import { invalidHeaderDetail } from '../http/parse-error.js';
import { FT_ERROR, FT_INVALID_HEADER, FT_TIMEOUT } from './next-upstream.js';

/** What the proxy was doing when it failed (nginx's log "action"). */
export type UpstreamPhase = 'connecting' | 'sending' | 'reading_header' | 'reading_body';

export const PHASE_ACTION: Record<UpstreamPhase, string> = {
  connecting: 'connecting to upstream',
  sending: 'sending request to upstream',
  reading_header: 'reading response header from upstream',
  reading_body: 'reading upstream',
};

const ERRNO: Record<string, [number, string]> = {
  ECONNREFUSED: [111, 'Connection refused'],
  ECONNRESET: [104, 'Connection reset by peer'],
  EHOSTUNREACH: [113, 'No route to host'],
  ENETUNREACH: [101, 'Network is unreachable'],
  ETIMEDOUT: [110, 'Connection timed out'],
  EPIPE: [32, 'Broken pipe'],
  EADDRNOTAVAIL: [99, 'Cannot assign requested address'],
};

export interface UpstreamFailure {
  /** The proxy_next_upstream bit (error, timeout, invalid_header). */
  ft: number;
  /** The error log message without the context ("… while connecting to upstream"). */
  message: string;
}

/** Classifies a node error raised by the upstream request during `phase`. */
export function describeFailure(err: NodeJS.ErrnoException, phase: UpstreamPhase, host: string): UpstreamFailure {
  const code = err.code ?? '';
  if (code.startsWith('HPE_')) {
    if (phase === 'reading_body') return { ft: FT_INVALID_HEADER, message: 'upstream sent invalid chunked response' };
    return { ft: FT_INVALID_HEADER, message: 'upstream sent invalid header' + invalidHeaderDetail(err) };
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return { ft: FT_ERROR, message: `${host} could not be resolved (3: Host not found)` };
  }
  // node says "socket hang up" when the upstream closed without (a complete) response.
  if (code === 'ECONNRESET' && err.message === 'socket hang up') {
    return { ft: FT_ERROR, message: 'upstream prematurely closed connection' };
  }
  const errno = ERRNO[code];
  const detail = errno ? ` (${errno[0]}: ${errno[1]})` : ` (${code || err.message})`;
  if (phase === 'connecting') return { ft: FT_ERROR, message: `connect() failed${detail}` };
  if (phase === 'sending') return { ft: FT_ERROR, message: `writev() failed${detail}` };
  return { ft: FT_ERROR, message: `recv() failed${detail}` };
}

export function timeoutFailure(): UpstreamFailure {
  return { ft: FT_TIMEOUT, message: 'upstream timed out (110: Connection timed out)' };
}
