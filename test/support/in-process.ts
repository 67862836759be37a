import type { INestApplication } from '@nestjs/common';
import { afterAll, afterEach, beforeAll } from '@jest/globals';
import type { Server } from 'socket.io';
import type { Message } from '@chat/contracts';
import { startApi } from '../../apps/api/src/start-api.js';
import { RoomFeed } from '../../apps/socket/src/delivery/room-feed.service.js';
import { startSocket } from '../../apps/socket/src/start-socket.js';
import { baseUrl } from './apps.js';
import { uniqueName, type TestUser } from './http.js';
import { connect, type ClientSocket } from './socket.js';

export interface InProcessChat {
  apiApp: INestApplication;
  socketApp: INestApplication;
  /** The api's and the socket app's base URLs. */
  api: string;
  url: string;
  /** Connects `user` (none: no token) to `target` (the socket app); closed after the test. */
  open(user: TestUser | undefined, target?: string): Promise<ClientSocket>;
  /** Closes `socket` after the test. */
  track(socket: ClientSocket): ClientSocket;
}

/**
 * The api and socket apps booted in this test file's process (the socket app with `socketEnv`
 * set before it starts), for the file's tests; the sockets they open are closed after each test.
 */
export function inProcessChat(socketEnv: Record<string, string> = {}): InProcessChat {
  const sockets: ClientSocket[] = [];
  const chat = {
    async open(user: TestUser | undefined, target = chat.url) {
      return chat.track(await connect(target, user?.accessToken));
    },
    track(socket: ClientSocket) {
      sockets.push(socket);
      return socket;
    },
  } as InProcessChat;
  beforeAll(async () => {
    chat.apiApp = await startApi();
    Object.assign(process.env, socketEnv);
    chat.socketApp = await startSocket();
    chat.api = baseUrl(chat.apiApp);
    chat.url = baseUrl(chat.socketApp);
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    await chat.socketApp?.close();
    await chat.apiApp?.close();
  });
  return chat;
}

/** The socket.io server of a socket app booted in-process (RoomFeed holds it). */
export function socketIoServer(socketApp: INestApplication): Server {
  return (socketApp.get(RoomFeed) as unknown as { server: Server }).server;
}

/** Starts another socket app in-process with extra settings (config is read at start). */
export async function startSocketWith(env: Record<string, string>): Promise<INestApplication> {
  const previous = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    return await startSocket();
  } finally {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** Sends `n` messages one after the other; resolves with them as acked. */
export async function sendN(
  socket: ClientSocket,
  roomId: string,
  n: number,
  prefix: string,
): Promise<Message[]> {
  const sent: Message[] = [];
  for (let i = 0; i < n; i++) {
    const ack = await socket.emitWithAck('chat:send', {
      roomId,
      clientMsgId: uniqueName(),
      content: `${prefix}${i}`,
    });
    if (!ack.ok) throw new Error(JSON.stringify(ack));
    sent.push(ack.message);
  }
  return sent;
}
