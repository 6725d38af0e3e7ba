// Listening on a socket the master bound and sent over IPC.
//
// net.Server.listen(handle) takes a TCP handle as it is. A Pipe (a unix-domain socket) it takes
// only by its descriptor, and in a cluster worker it sends that descriptor's number to the primary
// to be opened there, where it means nothing. So a Pipe is installed the way node's cluster
// installs the primary's handle in a worker (listenOnPrimaryHandle in lib/net.js): as the server's
// handle, then _listen2, which listens on it and emits 'listening' (or 'error').
import type net from 'node:net';

type ServerInternals = net.Server & {
  _handle: unknown;
  _listen2(address: string | null, port: number, addressType: number, backlog: number): void;
};

export function listenOnHandle(server: net.Server, handle: unknown, unix: boolean, backlog: number, onListening: () => void): void {
  if (!unix) {
    server.listen(handle, backlog, onListening);
    return;
  }
  const internals = server as ServerInternals;
  server.once('listening', onListening);
  internals._handle = handle;
  internals._listen2(null, -1, -1, backlog);
}
