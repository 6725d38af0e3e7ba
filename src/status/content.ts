// stub_status and check_status as content handlers of the HTTP core (phases.ts): a location
// with either directive answers from the master's summed snapshot instead of serving files.
import type { HttpCore } from '../http/phases.js';
import { DONE, defineHttpModule } from '../http/module.js';
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

/** A status location's page: stub_status's text, or check_status's default format. */
interface StatusPage {
  checkFormat: 'json' | 'csv' | 'html' | undefined;
}

/** ngx_http_stub_status_module. */
export const stubStatusModule = defineHttpModule<StatusPage>({
  name: 'stub_status',
  compileLevel: ({ conf }) => (conf.stubStatus ? { checkFormat: undefined } : undefined),
  contentHandler: statusHandler,
});

/** Tengine's check_status (the health-check page). */
export const checkStatusModule = defineHttpModule<StatusPage>({
  name: 'check_status',
  compileLevel: ({ conf }) => (conf.checkStatus !== undefined ? { checkFormat: conf.checkStatus } : undefined),
  contentHandler: statusHandler,
});

function statusHandler(r: HttpRequest, page: StatusPage, core: HttpCore): number {
  // Both modules take GET and HEAD only (ngx_http_stub_status_handler).
  if (r.method !== 'GET' && r.method !== 'HEAD') return 405;
  const format = page.checkFormat === undefined ? undefined : (FORMAT_ARG.exec(r.args)?.[1] as 'json' | 'csv' | 'html' | undefined) ?? page.checkFormat;
  const only = format === undefined ? undefined : STATUS_ARG.exec(r.args)?.[1];
  void askMaster().then((snapshot) => {
    if (only !== undefined) snapshot.peers = snapshot.peers.filter((p) => p.down === (only === 'down'));
    answer(r, snapshot, format);
  }, (e) => core.internalError(r.res, e));
  return DONE;
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

