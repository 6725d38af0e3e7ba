// ngx_http_map_uri_to_path: root + URI, or the alias in place of the location's prefix (the
// whole path for a regex location's alias with captures). The URI is already normalized, so a
// constant root cannot be escaped; whatever comes from variables or an alias is checked for
// "." and ".." segments, which nginx would pass to the file system (the well-known
// `location /img { alias /data/img/; }` + "/img../secret" hole): ngts answers 404 instead.
import type { HttpRequest } from './request.js';

const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

/** The file path for `uri` under the current level, or undefined when it would leave the root. */
export function mapUriToPath(r: HttpRequest, uri: string): string | undefined {
  const m = r.level!.path;
  let path: string;
  if (m.kind === 'root') {
    if (m.root.constant !== undefined) return m.root.constant + uri;
    path = m.root.evaluate(r) + uri;
  } else if (m.kind === 'alias') {
    path = m.alias.evaluate(r) + uri.slice(Math.min(m.prefixLength, uri.length));
  } else {
    path = m.alias.evaluate(r);
  }
  if (DOT_SEGMENT.test(path) || path.includes('\0')) return undefined;
  return path;
}
