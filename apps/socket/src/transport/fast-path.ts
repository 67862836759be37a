import type { Server, Socket } from 'socket.io';
import {
  COMPRESSION_THRESHOLD,
  coalesceWrites,
  directAcks,
  emitToLocalRoom,
  sendPreEncodedFrames,
  type EngineConnection,
  type EngineTransport,
} from './engine-writes.js';

/** Servers the fast path is installed on. */
const fast = new WeakSet<Server>();

/**
 * The socket app's write fast path, all of it (engine-writes.ts has the details): a burst of
 * frames for one connection leaves in one syscall, small broadcasts go out as one shared frame,
 * acks and room deliveries are framed once and written straight to the TCP socket when nothing
 * of that connection is queued above it. Frames, their order and their bytes are socket.io's
 * own. Without it (SOCKET_FAST_PATH=false) socket.io writes everything the stock way.
 */
export function installFastPath(server: Server, warn: (message: string) => void = () => undefined): void {
  fast.add(server);
  // A piece that does not take hold of a WebSocket connection (a release moved what it relies
  // on) leaves that connection to the stock path: said once, not per connection.
  const missed = new Set<string>();
  const held = (ok: boolean, what: string) => {
    if (ok || missed.has(what)) return;
    missed.add(what);
    warn(`fast path: ${what} did not take hold (socket.io internals changed?); using the stock path`);
  };
  const tune = (transport: EngineTransport) => {
    if (transport.name !== 'websocket') return; // polling: nothing to tune
    held(coalesceWrites(transport), 'batched writes');
    held(sendPreEncodedFrames(transport, COMPRESSION_THRESHOLD), 'shared broadcast frames');
  };
  server.engine.on('connection', (conn: EngineConnection) => {
    tune(conn.transport);
    conn.on('upgrade', tune);
  });
  server.on('connection', (socket: Socket) => held(directAcks(socket, COMPRESSION_THRESHOLD), 'direct acks'));
}

/**
 * Sends an event to every socket of this instance in `roomId`, by the fast path when it is
 * installed, else as `server.local.to(roomId).emit()`. Returns how many sockets it went to.
 */
export function emitToRoom(server: Server, roomId: string, event: string, data: unknown): number {
  if (fast.has(server)) return emitToLocalRoom(server, roomId, event, data, COMPRESSION_THRESHOLD);
  const recipients = server.of('/').adapter.rooms.get(roomId)?.size ?? 0;
  if (recipients) server.local.to(roomId).emit(event, data);
  return recipients;
}
