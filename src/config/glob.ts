// A small glob(3) for `include`: "*", "?" and "[...]" within path segments, results sorted,
// a leading "." matched only explicitly (as glob(3) does). A pattern matching nothing is empty.
import fs from 'node:fs';
import path from 'node:path';

export function hasGlobMagic(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

export function expandGlob(pattern: string): string[] {
  const root = path.parse(pattern).root;
  const segments = pattern.slice(root.length).split('/').filter((s) => s !== '');
  let current = [root];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    const last = i === segments.length - 1;
    const next: string[] = [];
    for (const dir of current) {
      if (!hasGlobMagic(seg)) {
        const candidate = path.join(dir, seg);
        if (fs.existsSync(candidate)) next.push(candidate);
        continue;
      }
      const re = segmentRegex(seg);
      let names: string[];
      try {
        names = fs.readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of names.sort()) {
        if (!re.test(name)) continue;
        const full = path.join(dir, name);
        if (!last && !isDirectory(full)) continue;
        next.push(full);
      }
    }
    current = next;
  }
  return current.filter((f) => !isDirectory(f)).sort();
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function segmentRegex(seg: string): RegExp {
  let re = seg.startsWith('.') ? '' : '(?!\\.)';
  for (let i = 0; i < seg.length; i++) {
    const ch = seg[i];
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const close = seg.indexOf(']', i + 2);
      if (close < 0) { re += '\\['; continue; }
      let body = seg.slice(i + 1, close);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += '[' + body.replace(/\\/g, '\\\\') + ']';
      i = close;
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp('^' + re + '$');
}
