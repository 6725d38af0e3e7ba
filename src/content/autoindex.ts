// nginx's autoindex module, HTML format with its defaults (autoindex_exact_size on,
// autoindex_localtime off), reproduced byte for byte: dotfiles hidden; directories first, then
// names in byte order; names escaped for the URL (everything but A-Z a-z 0-9 - . _ ~) and for
// HTML (& < > "); names longer than 50 bytes cut to 47 bytes plus "..>". Without `charset
// utf-8` nginx measures names in bytes, not characters, so a long UTF-8 name may be cut inside
// a character and padding counts bytes: ngts does the same (it has no `charset` directive).
// Symlinks are followed; a dangling one is listed with its own lstat().
import fs from 'node:fs';
import { strerror } from '../log/strerror.js';

export interface ListedEntry {
  /** The name's raw bytes, as readdir returned them. */
  name: Buffer;
  dir: boolean;
  mtimeSec: number;
  size: number;
}

/**
 * The directory could not be opened or an entry not read: `code` is the outcome, `message` and
 * `level` the error-log line nginx writes for it.
 */
export class AutoindexError extends Error {
  constructor(
    readonly code: 'not_found' | 'forbidden' | 'internal_error',
    readonly level: 'error' | 'crit',
    message: string,
  ) {
    super(message);
  }
}

const NAME_LEN = 50;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DIR_SIZE = '                  -';

export async function listDirectory(dirPath: string): Promise<ListedEntry[]> {
  let names: Buffer[];
  try {
    names = await fs.promises.readdir(dirPath, { encoding: 'buffer' });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // nginx names the directory without its trailing slash here.
    const message = `opendir() "${dirPath.length > 1 ? dirPath.replace(/\/$/, '') : dirPath}" failed (${strerror(e)})`;
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR' || e.code === 'ENAMETOOLONG') throw new AutoindexError('not_found', 'error', message);
    if (e.code === 'EACCES') throw new AutoindexError('forbidden', 'error', message);
    throw new AutoindexError('internal_error', 'crit', message);
  }
  const base = Buffer.from(dirPath.endsWith('/') ? dirPath : dirPath + '/');
  const visible = names.filter((n) => n[0] !== 0x2e /* . */);
  const entries = await Promise.all(visible.map((name) => describe(Buffer.concat([base, name]), name)));
  const listed = entries.filter((e): e is ListedEntry => e !== null);
  listed.sort((a, b) => (a.dir !== b.dir ? (a.dir ? -1 : 1) : Buffer.compare(a.name, b.name)));
  return listed;
}

async function describe(full: Buffer, name: Buffer): Promise<ListedEntry | null> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(full);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // nginx skips an entry it may not stat, lists a dangling or looping symlink as itself, and
    // fails the whole listing on any other error.
    if (e.code === 'EACCES') return null;
    if (e.code !== 'ENOENT' && e.code !== 'ELOOP') {
      throw new AutoindexError('internal_error', 'crit', `stat() "${full.toString()}" failed (${strerror(e)})`);
    }
    try {
      st = await fs.promises.lstat(full);
    } catch (lerr) {
      const message = `lstat() "${full.toString()}" failed (${strerror(lerr as NodeJS.ErrnoException)})`;
      throw new AutoindexError('internal_error', 'crit', message);
    }
  }
  return { name, dir: st.isDirectory(), mtimeSec: Math.floor(st.mtimeMs / 1000), size: st.size };
}

function hex(byte: number): string {
  return '%' + (byte < 16 ? '0' : '') + byte.toString(16).toUpperCase();
}

/** ngx_escape_uri(NGX_ESCAPE_URI_COMPONENT) over bytes held in a latin1 string. */
export function escapeUriComponent(bytes: string): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i);
    const keep =
      (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ||
      c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e;
    out += keep ? bytes[i] : hex(c);
  }
  return out;
}

/** ngx_escape_html. */
export function escapeHtml(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === '"') out += '&quot;';
    else out += ch;
  }
  return out;
}

function two(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** The listing page for `uri` (the normalized request URI, ending in "/"). */
export function renderAutoindex(uri: string, entries: ListedEntry[]): Buffer {
  // Work on bytes throughout: each latin1 character below is one byte of the output.
  const title = escapeHtml(Buffer.from(uri, 'utf8').toString('latin1'));
  let out =
    `<html>\r\n<head><title>Index of ${title}</title></head>\r\n<body>\r\n` +
    `<h1>Index of ${title}</h1><hr><pre><a href="../">../</a>\r\n`;
  for (const e of entries) {
    const raw = e.name.toString('latin1');
    let len = e.name.length;
    out += `<a href="${escapeUriComponent(raw)}${e.dir ? '/' : ''}">`;
    if (len > NAME_LEN) {
      out += escapeHtml(raw.slice(0, NAME_LEN - 3)) + '..&gt;</a>';
    } else {
      out += escapeHtml(raw);
      if (e.dir && len < NAME_LEN) {
        out += '/';
        len++;
      }
      out += '</a>' + ' '.repeat(NAME_LEN - len);
    }
    const t = new Date(e.mtimeSec * 1000);
    out +=
      ` ${two(t.getUTCDate())}-${MONTHS[t.getUTCMonth()]}-${t.getUTCFullYear()} ` +
      `${two(t.getUTCHours())}:${two(t.getUTCMinutes())} ` +
      (e.dir ? DIR_SIZE : String(e.size).padStart(19, ' ')) + '\r\n';
  }
  out += '</pre><hr></body>\r\n</html>\r\n';
  return Buffer.from(out, 'latin1');
}
