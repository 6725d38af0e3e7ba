// The LOG phase: one line per access_log of the level that finished the request, then the LOG
// handlers of the modules configured at that level.
import { Phase } from './module.js';
import type { HttpCore } from './phases.js';
import type { HttpRequest } from './request.js';

export function logRequest(r: HttpRequest, core: HttpCore): void {
  const level = r.level ?? r.vhost?.level;
  if (!level) return;
  const logs = level.accessLogs;
  for (let i = 0; i < logs.length; i++) logs[i].file.write(logs[i].format.evaluate(r) + '\n');
  const steps = level.steps;
  for (let i = level.phaseStart[Phase.LOG]; i < steps.length; i++) steps[i].handler(r, steps[i].state, core);
}
