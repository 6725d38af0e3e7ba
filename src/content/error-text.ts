// nginx's wording for file system errors in the error log: "(2: No such file or directory)",
// the errno and strerror() text as glibc prints them.
const STRERROR: Record<string, string> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EIO: 'Input/output error',
  EBADF: 'Bad file descriptor',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  ENFILE: 'Too many open files in system',
  EMFILE: 'Too many open files',
  EMLINK: 'Too many links',
  ENAMETOOLONG: 'File name too long',
  ELOOP: 'Too many levels of symbolic links',
  EOVERFLOW: 'Value too large for defined data type',
};

/** "(2: No such file or directory)" for a node error. */
export function systemErrorText(err: NodeJS.ErrnoException): string {
  const errno = err.errno === undefined ? 0 : Math.abs(err.errno);
  return `(${errno}: ${STRERROR[err.code ?? ''] ?? err.code ?? 'Unknown error'})`;
}
