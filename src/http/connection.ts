// A client connection's record: its number, its request count, the server names of the address it
// came to, and its addresses — read from the socket only when something asks for them.
//
// nginx gets the peer's address from accept() for free; node has to ask the kernel
// (getpeername, getsockname) and build strings and objects, which bare node:http never does. Most
// requests never need them ($remote_addr, $server_addr, error-log lines), so they are read on
// first use. A socket that is gone forgets them, though, and the log line of a request cut short
// (the client went away, 444) is written after that: whoever may outlive the socket's handle calls
// keepAddresses() while it is open (see the 'request' listener in runtime.ts and finalize()).
import type { Socket } from 'node:net';
import type { ConnectionState } from './request.js';
import type { ServerNameTable } from './server-names.js';

/** nginx numbers connections per worker ("*12" in the error log, $connection). */
let connectionCounter = 0;

/**
 * A listening socket's address: its port, and its address unless it is a wildcard; for a
 * unix-domain socket "unix:PATH" and port 0 (none).
 */
export interface LocalAddress {
  address: string | undefined;
  port: number;
}

export class Connection implements ConnectionState {
  readonly id = ++connectionCounter;
  requests = 0;
  private peerAddress: string | undefined = undefined;
  private peerPort = 0;
  private ownAddress: string | undefined;
  readonly localPort: number;

  constructor(
    private readonly socket: Socket,
    /** The listening socket's address (undefined for a wildcard: the connection's own is read). */
    local: LocalAddress,
    /** The server names of the address the connection came to. */
    readonly table: ServerNameTable,
  ) {
    this.ownAddress = local.address;
    this.localPort = local.port;
    // A unix-domain client has no address of its own: nginx's $remote_addr is "unix:" (node
    // reads nothing from such a socket).
    if (local.address !== undefined && local.address.startsWith('unix:')) this.peerAddress = 'unix:';
  }

  get remoteAddress(): string {
    if (this.peerAddress === undefined) this.readPeer();
    return this.peerAddress ?? '';
  }

  get remotePort(): number {
    if (this.peerAddress === undefined) this.readPeer();
    return this.peerPort;
  }

  get localAddress(): string {
    // node forgets a closed socket's local address (and answers undefined).
    return this.ownAddress ??= this.socket.localAddress ?? '';
  }

  /** Reads now what a closed socket would forget: a log line may be written after it closes. */
  keepAddresses(): void {
    if (this.peerAddress === undefined) this.readPeer();
    if (this.ownAddress === undefined && !this.socket.destroyed) this.ownAddress = this.socket.localAddress;
  }

  private readPeer(): void {
    // node keeps the peer's address once read, even after the socket closes; a socket closed (or
    // reset) before anyone asked has none: ''.
    const address = this.socket.remoteAddress;
    if (address === undefined) return;
    this.peerAddress = address;
    this.peerPort = this.socket.remotePort ?? 0;
  }
}
