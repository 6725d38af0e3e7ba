// A worker's request for the summed status, over the IPC channel to the master.
import type { FromWorker } from '../master/ipc.js';
import type { StatusSnapshot } from './snapshot.js';
import { requestStatus } from './worker-counters.js';

export function askMaster(): Promise<StatusSnapshot> {
  return requestStatus((id) => {
    if (!process.connected || process.send === undefined) return false;
    process.send({ type: 'status-request', id } satisfies FromWorker);
    return true;
  });
}
