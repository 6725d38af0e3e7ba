// errno in nginx's words: one table for every message ngts writes about a failed system call
// (config include, pid file, kill, bind, static files, upstream connects, access log writes).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { strerror } from '../../src/log/strerror.js';
import { describeFailure } from '../../src/proxy/errors.js';

function nodeError(code: string, errno: number | undefined, message = `x ${code}`): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code, errno });
}

describe('strerror', () => {
  it('prints the errno and glibc text nginx prints, whatever the sign of node\'s errno', () => {
    const table: [NodeJS.ErrnoException, string][] = [
      [nodeError('ENOENT', -2), '2: No such file or directory'],
      [nodeError('EACCES', -13), '13: Permission denied'],
      [nodeError('EADDRINUSE', 98), '98: Address already in use'],
      [nodeError('ECONNREFUSED', -111), '111: Connection refused'],
      [nodeError('EHOSTUNREACH', -113), '113: No route to host'],
      [nodeError('EOVERFLOW', -75), '75: Value too large for defined data type'],
      [nodeError('ESRCH', -3), '3: No such process'],
      // No errno on the error (an error built by hand): the number comes from the code.
      [nodeError('EMFILE', undefined), '24: Too many open files'],
    ];
    for (const [err, text] of table) assert.equal(strerror(err), text, err.code);
  });

  it('keeps "number: text" for an error outside the table: the positive errno and node\'s code', () => {
    // The config loader's copy printed "-95: <node's message>", the proxy's "(ENOTSUP)".
    assert.equal(strerror(nodeError('ENOTSUP', -95, 'connect ENOTSUP 127.0.0.1:1')), '95: ENOTSUP');
    assert.equal(strerror(Object.assign(new Error('it broke'), {})), '0: it broke');
  });

  it('is the text of the proxy\'s upstream failures too', () => {
    assert.equal(describeFailure(nodeError('ECONNREFUSED', -111), 'connecting', 'b').message, 'connect() failed (111: Connection refused)');
    assert.equal(describeFailure(nodeError('ENOTSUP', -95), 'sending', 'b').message, 'writev() failed (95: ENOTSUP)');
  });
});
