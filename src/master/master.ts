// Placeholder until the master process lands (issue 3): starting the server is not possible yet.
import type { Startup } from '../cli.js';

export async function runMaster(_s: Startup): Promise<number> {
  process.stderr.write('ngts: [emerg] starting the server is not implemented yet\n');
  return 1;
}
