// The upstream agents. http-proxy builds the upstream request from its options; the agent is
// the one place where ngts sees that request synchronously, before anything is written, so the
// attempt attaches there: it sets the exact URI (http-proxy's urlJoin would collapse "//"),
// its timers and its listeners. A keep-alive agent keeps `keepalive N` idle connections.
import http from 'node:http';
import https from 'node:https';

export interface AgentHook {
  attach(req: http.ClientRequest): void;
}

let pending: AgentHook | undefined;

/** Runs `start` (which creates exactly one upstream request) with `hook` attached to it. */
export function withAgentHook(hook: AgentHook, start: () => void): void {
  pending = hook;
  try {
    start();
  } finally {
    pending = undefined;
  }
}

type AddRequest = (req: http.ClientRequest, options: unknown) => void;

function takeHook(req: http.ClientRequest): void {
  const hook = pending;
  pending = undefined;
  hook?.attach(req);
}

export class UpstreamHttpAgent extends http.Agent {
  addRequest(req: http.ClientRequest, options: unknown): void {
    takeHook(req);
    (http.Agent.prototype as unknown as { addRequest: AddRequest }).addRequest.call(this, req, options);
  }
}

export class UpstreamHttpsAgent extends https.Agent {
  addRequest(req: http.ClientRequest, options: unknown): void {
    takeHook(req);
    (https.Agent.prototype as unknown as { addRequest: AddRequest }).addRequest.call(this, req, options);
  }
}
