// nginx's wording for upstream failures in the error log ("connect() failed (111: Connection
// refused) while connecting to upstream"), and which proxy_next_upstream condition each is.
import { strerror } from '../log/strerror.js';
import { invalidHeaderDetail } from '../http/parse-error.js';
import { FT_ERROR, FT_INVALID_HEADER, FT_TIMEOUT } from './next-upstream.js';
import type { Peer } from './peers.js';

/** What the proxy was doing when it failed (nginx's log "action"). */
export type UpstreamPhase = 'connecting' | 'sending' | 'reading_header' | 'reading_body';

export const PHASE_ACTION: Record<UpstreamPhase, string> = {
  connecting: 'connecting to upstream',
  sending: 'sending request to upstream',
  reading_header: 'reading response header from upstream',
  reading_body: 'reading upstream',
};

/**
 * A connect() that fails at once (always the case for a unix-domain socket) is logged by nginx
 * as "connect() to NAME failed", at crit unless the peer merely refused or is unreachable
 * (ngx_event_connect_peer).
 */
const CONNECT_ERRORS_LOGGED_AS_ERROR = new Set(['ECONNREFUSED', 'EAGAIN', 'ECONNRESET', 'ENETDOWN', 'ENETUNREACH', 'EHOSTDOWN', 'EHOSTUNREACH']);

export interface UpstreamFailure {
  /** The proxy_next_upstream bit (error, timeout, invalid_header). */
  ft: number;
  /** The error log message without the context ("… while connecting to upstream"). */
  message: string;
  /** The error log level of the message. */
  level: 'crit' | 'error';
}

/**
 * Classifies a node error raised by the upstream request during `phase`.
 * @param peer the peer tried: a unix-domain one is named in a failed connect()
 */
export function describeFailure(err: NodeJS.ErrnoException, phase: UpstreamPhase, host: string, peer?: Peer): UpstreamFailure {
  const code = err.code ?? '';
  if (code.startsWith('HPE_')) {
    if (phase === 'reading_body') return { ft: FT_INVALID_HEADER, message: 'upstream sent invalid chunked response', level: 'error' };
    return { ft: FT_INVALID_HEADER, message: 'upstream sent invalid header' + invalidHeaderDetail(err), level: 'error' };
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return { ft: FT_ERROR, message: `${host} could not be resolved (3: Host not found)`, level: 'error' };
  }
  // node says "socket hang up" when the upstream closed without (a complete) response.
  if (code === 'ECONNRESET' && err.message === 'socket hang up') {
    return { ft: FT_ERROR, message: 'upstream prematurely closed connection', level: 'error' };
  }
  const detail = ` (${strerror(err)})`;
  if (phase === 'connecting') {
    if (peer?.socketPath !== undefined) {
      return { ft: FT_ERROR, message: `connect() to ${peer.name} failed${detail}`, level: CONNECT_ERRORS_LOGGED_AS_ERROR.has(code) ? 'error' : 'crit' };
    }
    return { ft: FT_ERROR, message: `connect() failed${detail}`, level: 'error' };
  }
  if (phase === 'sending') return { ft: FT_ERROR, message: `writev() failed${detail}`, level: 'error' };
  return { ft: FT_ERROR, message: `recv() failed${detail}`, level: 'error' };
}

export function timeoutFailure(): UpstreamFailure {
  return { ft: FT_TIMEOUT, message: 'upstream timed out (110: Connection timed out)', level: 'error' };
}
