// The log phase: one line per access_log of the level that finished the request.
import type { HttpRequest } from './request.js';

export function logRequest(r: HttpRequest): void {
  const level = r.level ?? r.vhost?.level;
  if (!level) return;
  const logs = level.accessLogs;
  for (let i = 0; i < logs.length; i++) logs[i].file.write(logs[i].format.evaluate(r) + '\n');
}
