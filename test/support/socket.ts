import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, Message, ServerToClientEvents } from '@chat/contracts';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

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
