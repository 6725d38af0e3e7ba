// The Content-Type of a response body the core writes itself (`return 200 "text"`), from the
// URI's extension as ngx_http_set_content_type does: the config's `types`, else default_type.
import mime from 'mime-types';
import type { MergedLocConf } from '../config/types.js';

export function contentTypeFor(uri: string, conf: MergedLocConf): string {
  const slash = uri.lastIndexOf('/');
  const dot = uri.lastIndexOf('.');
  if (dot <= slash) return conf.defaultType;
  const ext = uri.slice(dot + 1).toLowerCase();
  if (conf.types) return conf.types[ext] ?? conf.defaultType;
  const found = mime.types[ext];
  return found ?? conf.defaultType;
}
