import type { Server } from 'socket.io';
import type { AppConfig } from '@chat/config';
import { limitIncoming, outboundBytes, terminate, type EngineTransport } from './engine-writes.js';

/** An engine.io connection as the guard sees it (public events, `transport`). */
type PacketListener = (packet: { type: string; data?: unknown }) => void;
interface GuardedConnection {
  transport: EngineTransport;
  close(): void;
  on(event: 'packet', listener: PacketListener): void;
  on(event: 'upgrade', listener: (transport: EngineTransport) => void): void;
  off(event: 'packet', listener: PacketListener): void;
}

export interface ConnectionLimits {
  /** The largest message a connection may send before it has authenticated. */
  preAuthBytes: number;
  /** The largest message an authenticated connection may send (the server's maxHttpBufferSize). */
  authenticatedBytes: number;
}

/** The message limits before and after authentication. */
export function connectionLimits(config: AppConfig): ConnectionLimits {
  return {
    preAuthBytes: config.SOCKET_PREAUTH_MAX_BYTES,
    // A file up to this size may travel inside one chat:send (file.data); larger ones in chunks.
    authenticatedBytes: config.SOCKET_MAX_MESSAGE_BYTES,
  };
}

const authenticated = new WeakSet<object>();
/** The packet check of each connection not yet authenticated. */
const checks = new WeakMap<object, PacketListener>();

/**
 * What a connection can make the server hold before it has proven who it is: until the
 * namespace handshake succeeds (markAuthenticated), its messages may be at most
 * `preAuthBytes` long (also decompressed), and any message but the socket.io CONNECT packet
 * closes it, so no event and none of its binary attachments is ever buffered for a stranger.
 * socket.io's connectTimeout closes a connection that has not authenticated in time.
 */
export function guardConnection(conn: GuardedConnection, limits: ConnectionLimits): void {
  limitIncoming(conn.transport, limits.preAuthBytes);
  conn.on('upgrade', (transport) =>
    limitIncoming(transport, authenticated.has(conn) ? limits.authenticatedBytes : limits.preAuthBytes),
  );
  const check: PacketListener = (packet) => {
    if (packet.type !== 'message') return;
    // socket.io protocol 5: "0…" is CONNECT, the only packet a client sends before it is in.
    if (typeof packet.data !== 'string' || !packet.data.startsWith('0')) conn.close();
  };
  checks.set(conn, check);
  conn.on('packet', check);
}

/** The connection authenticated: it may now send messages up to the authenticated limit. */
export function markAuthenticated(conn: unknown, limits: ConnectionLimits): void {
  const c = conn as GuardedConnection;
  if (authenticated.has(c)) return;
  authenticated.add(c);
  // Off the hot path from now on: the check ran for every packet.
  const check = checks.get(c);
  if (check) c.off('packet', check);
  checks.delete(c);
  limitIncoming(c.transport, limits.authenticatedBytes);
}

/**
 * Drops every connection that holds more than `maxBytes` the client has not read (a client
 * that stopped reading while its rooms are busy). It reconnects and recovers what it missed
 * with lastMessageId; the server never holds more than the bound for it (plus what one
 * interval's deliveries add). Returns how many were dropped.
 */
export function dropSlowConsumers(server: Server, maxBytes: number): number {
  let dropped = 0;
  for (const socket of server.of('/').sockets.values()) {
    if (outboundBytes(socket.conn) <= maxBytes) continue;
    terminate(socket.conn);
    dropped++;
  }
  return dropped;
}
