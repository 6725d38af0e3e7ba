// stub_status and check_status as content handlers of the HTTP core (phases.ts): a location
// with either directive answers from the master's summed snapshot instead of serving files.
import type { HttpCore } from '../http/phases.js';
import { registerContentHandler } from '../http/phases.js';
import type { HttpRequest } from '../http/request.js';
import { askMaster } from './ask-master.js';
import { checkStatusHtml } from './check-status-html.js';
import { checkStatusCsv, checkStatusJson } from './check-status-text.js';
import type { StatusSnapshot } from './snapshot.js';
import { stubStatusText } from './stub-status.js';

const FORMAT_ARG = /(?:^|&)format=(json|csv|html)(?:&|$)/;
/** Tengine's ?status=up|down: only the peers in that state. */
const STATUS_ARG = /(?:^|&)status=(up|down)(?:&|$)/;

const CONTENT_TYPES = { html: 'text/html', csv: 'text/plain', json: 'application/json' } as const;

function statusHandler(r: HttpRequest, core: HttpCore): boolean {
  const conf = r.level!.conf;
  if (!conf.stubStatus && conf.checkStatus === undefined) return false;
  // Both modules take GET and HEAD only (ngx_http_stub_status_handler).
  if (r.method !== 'GET' && r.method !== 'HEAD') {
    core.finalize(r, 405);
    return true;
  }
  const format = conf.checkStatus === undefined ? undefined : (FORMAT_ARG.exec(r.args)?.[1] as 'json' | 'csv' | 'html' | undefined) ?? conf.checkStatus;
  const only = format === undefined ? undefined : STATUS_ARG.exec(r.args)?.[1];
  void askMaster().then((snapshot) => {
    if (only !== undefined) snapshot.peers = snapshot.peers.filter((p) => p.down === (only === 'down'));
    answer(r, snapshot, format);
  }, (e) => core.internalError(r.res, e));
  return true;
}

function answer(r: HttpRequest, s: StatusSnapshot, format: 'json' | 'csv' | 'html' | undefined): void {
  if (r.done || r.res.destroyed) return;
  const body = format === undefined ? stubStatusText(s.connections)
    : format === 'json' ? checkStatusJson(s) : format === 'csv' ? checkStatusCsv(s) : checkStatusHtml(s);
  const res = r.res;
  res.statusCode = 200;
  res.setHeader('Content-Type', format === undefined ? 'text/plain' : CONTENT_TYPES[format]);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  // A status page is never stale in a cache (Tengine's check_status sets no-cache too).
  if (format !== undefined) res.setHeader('Cache-Control', 'no-cache');
  res.end(r.method === 'HEAD' ? undefined : body);
}

registerContentHandler(statusHandler);
