// The directory listed by the autoindex tests; the expected HTML in autoindex.test.ts was
// captured from nginx 1.22 serving exactly this tree (`autoindex on;`).
import fs from 'node:fs';
import path from 'node:path';
import { FIXED_MTIME } from './fixtures.js';

/** 2001-02-03 04:05:06 UTC: a second date, to check the date columns. */
export const OLD_MTIME = 981173106;

export function buildAutoindexFixture(dir: string): void {
  const file = (name: string, content: string | number, mtime = FIXED_MTIME): void => {
    const p = path.join(dir, name);
    if (typeof content === 'number') {
      fs.writeFileSync(p, '');
      fs.truncateSync(p, content);
    } else {
      fs.writeFileSync(p, content);
    }
    fs.utimesSync(p, mtime, mtime);
  };
  const folder = (name: string, mtime = FIXED_MTIME): void => {
    fs.mkdirSync(path.join(dir, name), { recursive: true });
    fs.utimesSync(path.join(dir, name), mtime, mtime);
  };
  const link = (name: string, target: string): void => {
    fs.symlinkSync(target, path.join(dir, name));
    fs.lutimesSync(path.join(dir, name), FIXED_MTIME, FIXED_MTIME);
  };
  fs.mkdirSync(dir, { recursive: true });
  folder('B'.repeat(48));
  folder('C'.repeat(49));
  folder('D'.repeat(50));
  folder('G'.repeat(51));
  folder('dir b');
  folder('x&y<z>"q');
  folder('zdir', OLD_MTIME);
  folder('.hdir');
  file('E'.repeat(50), 'e');
  file('F'.repeat(49), 'ff');
  file('L'.repeat(60) + '.txt', 'long');
  file('A'.repeat(46) + '&&&&' + 'B'.repeat(10), 'amp');
  file('a file.txt', 'hello\n');
  file('amp&er.txt', 'x');
  file('lt<gt>.html', 'lt');
  file('quo"te.txt', 'q');
  file('héllo.txt', 'héllo');
  file('ü'.repeat(30) + '.txt', '');
  file('é'.repeat(20), '');
  file('日本語.txt', 'nihongo');
  file('.hidden', 'secret');
  for (const c of ['!', "'", '(', '*', '~', '-', '_', '%', '+', '.', '#', '?', ':', '=', '@', '\\', '`', '{']) {
    file(`c${c}c`, c);
  }
  file('big.bin', 2 * 1024 * 1024 + 7);
  file('old.txt', 'old', OLD_MTIME);
  link('linkdir', 'zdir');
  link('linkfile', 'a file.txt');
  link('dangling', 'nowhere');
}
