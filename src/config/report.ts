// How configuration problems reach the user: nginx's "ngts: [emerg] … in FILE:LINE" line on
// stderr, followed (beyond nginx) by the offending line, a caret, and a hint.
import { ConfigError, renderSnippet } from './errors.js';

export function formatConfigError(err: ConfigError, sources: ReadonlyMap<string, string>, level = 'emerg'): string {
  const lines = [`ngts: [${level}] ${err.nginxText}`, ...renderSnippet(err, sources)];
  return lines.join('\n') + '\n';
}
