// errno as nginx prints it in error-log lines: "(2: No such file or directory)".
const MESSAGES: Record<string, [number, string]> = {
  ENOENT: [2, 'No such file or directory'],
  EACCES: [13, 'Permission denied'],
  EPERM: [1, 'Operation not permitted'],
  ENOTDIR: [20, 'Not a directory'],
  EISDIR: [21, 'Is a directory'],
  EMFILE: [24, 'Too many open files'],
  ENFILE: [23, 'Too many open files in system'],
  ENOSPC: [28, 'No space left on device'],
  EROFS: [30, 'Read-only file system'],
  ENAMETOOLONG: [36, 'File name too long'],
  ELOOP: [40, 'Too many levels of symbolic links'],
  EIO: [5, 'Input/output error'],
};

/** "2: No such file or directory" for an fs error (or its code). */
export function strerror(e: NodeJS.ErrnoException | string): string {
  const code = typeof e === 'string' ? e : e.code ?? '';
  const known = MESSAGES[code];
  if (known) return `${known[0]}: ${known[1]}`;
  const errno = typeof e === 'object' && typeof e.errno === 'number' ? Math.abs(e.errno) : 0;
  return `${errno}: ${code || 'Unknown error'}`;
}
