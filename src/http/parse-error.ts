// What node's HTTP parser (llhttp) refused, located in the bytes it was reading, so that the
// error log can say it as nginx does: the header line up to the refused byte, that byte in hex
// ("X: a\x0d..."), and the request line and Host header read before it. node gives a parse
// error the packet it was parsing (rawPacket, the current chunk) and the offset where it stopped
// (bytesParsed); a head that began in an earlier chunk is only partly there.

export interface ParserError extends Error {
  code?: string;
  reason?: string;
  rawPacket?: Buffer;
  bytesParsed?: number;
}

const CR = 0x0d;
const LF = 0x0a;

/** llhttp's complaints about a bare LF that it read before stopping. */
const AFTER_BARE_LF = new Set(['Invalid header field char', 'Expected CRLF after version']);

/**
 * Where the refused byte is: llhttp stops after a bare CR (on the byte that is not LF), after
 * some bare LFs (AFTER_BARE_LF), and on any other refused byte.
 */
export function refusedByte(err: ParserError): number {
  const packet = err.rawPacket!;
  const stoppedAt = err.bytesParsed!;
  if (stoppedAt > 0 && stoppedAt <= packet.length) {
    const before = packet[stoppedAt - 1];
    if (before === CR && packet[stoppedAt] !== LF) return stoppedAt - 1;
    if (before === LF && packet[stoppedAt - 2] !== CR && AFTER_BARE_LF.has(err.reason ?? '')) return stoppedAt - 1;
  }
  return stoppedAt;
}

/** Start of the line that holds offset `at`. */
export function lineStart(packet: Buffer, at: number): number {
  return at <= 0 ? 0 : packet.lastIndexOf(LF, at - 1) + 1;
}

/** nginx's `"X: a\x0d..."`: the line of `at` up to it, then its byte in hex. */
export function invalidLineText(packet: Buffer, at: number): string {
  const text = packet.subarray(lineStart(packet, at), at).toString('latin1');
  const byte = at < packet.length ? packet[at].toString(16).padStart(2, '0') : '';
  return `"${text}\\x${byte}..."`;
}

/**
 * Where the head holding offset `at` starts: after the last empty line before it (the end of an
 * earlier pipelined head), else at the start of the packet.
 */
export function headStart(packet: Buffer, at: number): number {
  for (let i = Math.min(at, packet.length) - 1; i > 0; i--) {
    if (packet[i] !== LF) continue;
    const prev = packet[i - 1] === CR ? i - 2 : i - 1;
    if (prev >= 0 && packet[prev] === LF) return i + 1;
  }
  return 0;
}

/**
 * nginx's `: "X: a\x0d..."` after "invalid header" when the refused byte is in a header line,
 * else '' (the first line of a head, or an error without its packet).
 */
export function invalidHeaderDetail(err: ParserError): string {
  const packet = err.rawPacket;
  if (packet === undefined || typeof err.bytesParsed !== 'number') return '';
  const at = refusedByte(err);
  const start = lineStart(packet, at);
  return start === headStart(packet, at) ? '' : `: ${invalidLineText(packet, at)}`;
}

/** The first line from `start`, as far as it goes (up to CR or LF). */
export function firstLine(packet: Buffer, start: number, limit: number): string {
  const end = Math.min(packet.length, start + limit);
  let i = start;
  while (i < end && packet[i] !== CR && packet[i] !== LF) i++;
  return packet.subarray(start, i).toString('latin1');
}

/** The Host header of the whole header lines between `start` (a head's start) and `end`. */
export function hostBefore(packet: Buffer, start: number, end: number): string | undefined {
  let i = packet.indexOf(LF, start);
  while (i >= 0 && i < end) {
    const next = packet.indexOf(LF, i + 1);
    if (next < 0 || next >= end) break;
    const line = packet.subarray(i + 1, next).toString('latin1');
    const m = /^host:[ \t]*(.*?)[ \t]*\r?$/i.exec(line);
    if (m !== null) return m[1];
    i = next;
  }
  return undefined;
}

/** The end of the head that starts at `start` (its empty line), or the end of the packet. */
export function headEnd(packet: Buffer, start: number): number {
  let i = packet.indexOf(LF, start);
  while (i >= 0) {
    const next = packet[i + 1] === CR ? i + 2 : i + 1;
    if (packet[next] === LF) return next + 1;
    i = packet.indexOf(LF, i + 1);
  }
  return packet.length;
}
