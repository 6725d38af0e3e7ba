// nginx's CRC32 (ngx_crc32_init / _update / _final): the table-driven reflected CRC-32 of zlib.
// The hash balancers need the unfinalized running value, which zlib.crc32 does not expose.

const TABLE = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c >>> 0;
}

export const CRC32_INIT = 0xffffffff;

/** Feeds bytes into a running (unfinalized) CRC. */
export function crc32Update(crc: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return crc >>> 0;
}

export function crc32Final(crc: number): number {
  return (crc ^ 0xffffffff) >>> 0;
}

/** ngx_crc32_long over a string's UTF-8 bytes. */
export function crc32(text: string): number {
  return crc32Final(crc32Update(CRC32_INIT, Buffer.from(text)));
}
