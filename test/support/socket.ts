import type { Socket } from 'node:net';
import { io, type Socket as IoSocket } from 'socket.io-client';
import type { ClientToServerEvents, Message, ServerToClientEvents } from '@chat/contracts';
import { createRoom, createUser, type TestUser } from './http.js';

export type ClientSocket = IoSocket<ServerToClientEvents, ClientToServerEvents>;

/** Connects like a frontend would; resolves once connected, rejects with the connect_error. */
export function connect(
  url: string,
  token: string | undefined,
  transports: Array<'websocket' | 'polling'> = ['websocket'],
): Promise<ClientSocket> {
  const socket: ClientSocket = io(url, {
    auth: token === undefined ? {} : { token },
    transports,
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Collects chat:message events, and resolves when `count` have arrived. */
export function collect(socket: ClientSocket) {
  const received: Message[] = [];
  let waiter: { count: number; resolve: () => void } | null = null;
  socket.on('chat:message', (message) => {
    received.push(message);
    if (waiter && received.length >= waiter.count) waiter.resolve();
  });
  return {
    received,
    waitFor(count: number, timeoutMs = 30_000): Promise<void> {
      if (received.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`got ${received.length} of ${count} messages`)),
          timeoutMs,
        );
        waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      });
    },
  };
}

/**
 * Makes a client stop reading (`pause()`: the kernel's buffers fill, then the server's) and read
 * again (`resume()`), through the TCP socket under socket.io-client's WebSocket. ws resumes its
 * socket by itself whenever its frame parser drains, so while paused that resume does nothing.
 */
export function tcpOf(socket: ClientSocket): { pause(): void; resume(): void } {
  const tcp = (socket.io.engine.transport as unknown as { ws: { _socket: Socket } }).ws._socket;
  const resume = tcp.resume.bind(tcp);
  return {
    pause() {
      tcp.resume = () => tcp;
      tcp.pause();
    },
    resume() {
      tcp.resume = resume;
      resume();
    },
  };
}

/** A new user who owns a new room, connected to `socketUrl` and in the room. */
export async function userInNewRoom(
  api: string,
  socketUrl: string,
): Promise<{ user: TestUser; roomId: string; socket: ClientSocket }> {
  const user = await createUser(api);
  const roomId = await createRoom(api, user);
  const socket = await connect(socketUrl, user.accessToken);
  const joined = await socket.emitWithAck('room:join', { roomId });
  if (!joined.ok) throw new Error(`room:join failed: ${JSON.stringify(joined)}`);
  return { user, roomId, socket };
}

/** engine.io's heartbeat drops a client that stopped reading too: off, for tests of the app's own limits. */
export const NO_HEARTBEAT = { SOCKET_PING_INTERVAL_MS: '120000', SOCKET_PING_TIMEOUT_MS: '60000' };
