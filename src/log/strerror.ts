// errno as nginx prints it in every message about a failed system call:
// 'open() "/srv/x" failed (2: No such file or directory)' — the number, then glibc's strerror()
// text. Node gives the code and a negative errno; its own texts are libuv's ("no such file or
// directory", "i/o error"), not glibc's, hence this table of the errors ngts meets.
import os from 'node:os';

const GLIBC_TEXT = new Map(Object.entries({
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EIO: 'Input/output error',
  EBADF: 'Bad file descriptor',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  ENFILE: 'Too many open files in system',
  EMFILE: 'Too many open files',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  EMLINK: 'Too many links',
  EPIPE: 'Broken pipe',
  ENAMETOOLONG: 'File name too long',
  ELOOP: 'Too many levels of symbolic links',
  EOVERFLOW: 'Value too large for defined data type',
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ENETUNREACH: 'Network is unreachable',
  ECONNRESET: 'Connection reset by peer',
  ETIMEDOUT: 'Connection timed out',
  ECONNREFUSED: 'Connection refused',
  EHOSTUNREACH: 'No route to host',
}));

const ERRNO = os.constants.errno as Record<string, number | undefined>;

/**
 * "2: No such file or directory" for a node error. An error outside the table keeps nginx's
 * "number: text" shape with node's code as the text ("95: ENOTSUP"), or its message when it has
 * no code.
 */
export function strerror(err: NodeJS.ErrnoException): string {
  const code = err.code ?? '';
  const errno = typeof err.errno === 'number' ? Math.abs(err.errno) : ERRNO[code] ?? 0;
  return `${errno}: ${GLIBC_TEXT.get(code) ?? (code || err.message || 'Unknown error')}`;
}
