import type { Server } from 'socket.io';
import type { AppConfig } from '@chat/config';
import { limitIncoming, outboundBytes, terminate, type EngineTransport } from './engine-writes.js';

/** An engine.io connection as the guard sees it (public events, `transport`). */
type PacketListener = (packet: { type: string; data?: unknown }) => void;
interface GuardedConnection {
  transport: EngineTransport;
  /** `discard`: close at once, dropping what is queued for the client. */
  close(discard?: boolean): void;
  on(event: 'packet', listener: PacketListener): void;
  on(event: 'upgrade', listener: (transport: EngineTransport) => void): void;
  on(event: 'close', listener: () => void): void;
  off(event: 'packet', listener: PacketListener): void;
}

export interface ConnectionLimits {
  /** The largest message a connection may send before it has authenticated. */
  preAuthBytes: number;
  /** The largest message an authenticated connection may send. */
  authenticatedBytes: number;
  /** A connection not authenticated this long after it opened is closed. */
  authTimeoutMs: number;
}

/** CONNECT packets a connection may send before one succeeds: a first try and two retries. */
const MAX_CONNECT_ATTEMPTS = 3;

/** The message limits before and after authentication. */
export function connectionLimits(config: AppConfig): ConnectionLimits {
  return {
    authTimeoutMs: config.SOCKET_AUTH_TIMEOUT_MS,
    preAuthBytes: config.SOCKET_PREAUTH_MAX_BYTES,
    // A file up to this size may travel inside one chat:send (file.data); larger ones in chunks.
    authenticatedBytes: config.SOCKET_MAX_MESSAGE_BYTES,
  };
}

const authenticated = new WeakSet<object>();
/** The packet check and the deadline of each connection not yet authenticated. */
const pending = new WeakMap<object, { check: PacketListener; deadline: NodeJS.Timeout }>();

/**
 * What a connection can make the server hold before it has proven who it is: until the
 * namespace handshake succeeds (markAuthenticated), its messages may be at most
 * `preAuthBytes` long (also decompressed), and any message but the socket.io CONNECT packet (or
 * more than MAX_CONNECT_ATTEMPTS of those) closes it, so no event and none of its binary
 * attachments is ever buffered for a stranger; it is closed `authTimeoutMs` after it opened,
 * whatever it has queued.
 */
export function guardConnection(conn: GuardedConnection, limits: ConnectionLimits): void {
  limitIncoming(conn.transport, limits.preAuthBytes);
  conn.on('upgrade', (transport) =>
    limitIncoming(transport, authenticated.has(conn) ? limits.authenticatedBytes : limits.preAuthBytes),
  );
  let connects = 0;
  // Closing discards what is queued for the client: a stranger who never reads its replies
  // (refusals of its CONNECTs) must not keep them, nor the connection, alive.
  const check: PacketListener = (packet) => {
    if (packet.type !== 'message') return;
    // socket.io protocol 5: "0…" is CONNECT, the only packet a client sends before it is in;
    // several in one read would each become a socket before the first is authenticated.
    if (typeof packet.data !== 'string' || !packet.data.startsWith('0') || ++connects > MAX_CONNECT_ATTEMPTS)
      conn.close(true);
  };
  const deadline = setTimeout(() => conn.close(true), limits.authTimeoutMs);
  deadline.unref();
  pending.set(conn, { check, deadline });
  conn.on('packet', check);
  conn.on('close', () => clearTimeout(deadline));
}

/** The connection authenticated: it may now send messages up to the authenticated limit. */
export function markAuthenticated(conn: unknown, limits: ConnectionLimits): void {
  const c = conn as GuardedConnection;
  if (authenticated.has(c)) return;
  authenticated.add(c);
  // Off the hot path from now on: the check ran for every packet.
  const guard = pending.get(c);
  if (guard) {
    c.off('packet', guard.check);
    clearTimeout(guard.deadline);
  }
  pending.delete(c);
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
