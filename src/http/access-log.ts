// The access log of HTTP requests (ngx_http_log_module): log_format strings compiled once at load
// into functions of the request's $variables, and the log phase that writes one line per
// access_log of the level that finished the request. The files themselves are
// src/log/access-log-file.ts's (buffered, reopened on USR1); the escaping is src/log/log-format.ts's.
import { Phase } from './module.js';
import type { HttpCore } from './phases.js';
import type { LogFormatConf } from '../config/types.js';
import type { AccessLogFile } from '../log/access-log-file.js';
import { escapeDefault, escapeJson } from '../log/log-format.js';
import type { HttpRequest } from './request.js';
import { compileTemplate, type CompileOptions, type Template } from './variables.js';

/** One `access_log` of a level: the file and the compiled format. */
export interface AccessLogTarget {
  file: AccessLogFile;
  format: Template;
}

/** A log_format as one function of the request; values escaped as its escape= says. */
export function compileLogFormat(format: LogFormatConf, options: CompileOptions): Template {
  const escape = format.escape === 'json' ? escapeJson : format.escape === 'none' ? undefined : escapeDefault;
  return compileTemplate(format.template, {
    ...options,
    escape,
    empty: format.escape === 'default' ? '-' : undefined,
  });
}

/**
 * The LOG phase: one line per access_log of the level that finished the request, then the LOG
 * handlers of the modules configured at that level.
 */
export function logRequest(r: HttpRequest, core: HttpCore): void {
  const level = r.level ?? r.vhost?.level;
  if (!level) return;
  const logs = level.accessLogs;
  for (let i = 0; i < logs.length; i++) logs[i].file.write(logs[i].format.evaluate(r) + '\n');
  const steps = level.steps;
  for (let i = level.phaseStart[Phase.LOG]; i < steps.length; i++) steps[i].handler(r, steps[i].state, core);
}
