import type { INestApplication } from '@nestjs/common';
import { startApi } from '../../api/src/start-api.js';
import { startSocket } from '../src/start-socket.js';
import { baseUrl } from '../../../test/support/apps.js';
import { createRoomWith, createUser } from '../../../test/support/http.js';
import { socketIoServer } from '../../../test/support/in-process.js';
import { collect, connect, type ClientSocket } from '../../../test/support/socket.js';

/**
 * SOCKET_FAST_PATH=false: socket.io and engine.io write everything as they ship (the bench's
 * comparison, and the way out if a release breaks the fast path). The contract holds the same:
 * acks, every delivery once and in order, small and compressed-large alike.
 */
let apiApp: INestApplication;
let socketApp: INestApplication;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  apiApp = await startApi();
  process.env.SOCKET_FAST_PATH = 'false';
  try {
    socketApp = await startSocket();
  } finally {
    delete process.env.SOCKET_FAST_PATH;
  }
});

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await socketApp?.close();
  await apiApp?.close();
});

it('delivers every message once and in order, and acks every send, without the fast path', async () => {
  const api = baseUrl(apiApp);
  const [alice, bob] = [await createUser(api), await createUser(api)];
  const roomId = await createRoomWith(api, alice, [bob]);
  const [sender, reader] = await Promise.all([
    connect(baseUrl(socketApp), alice.accessToken),
    connect(baseUrl(socketApp), bob.accessToken),
  ]);
  sockets.push(sender, reader);
  for (const socket of [sender, reader])
    expect(await socket.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
  const inbox = collect(reader);
  // Nothing of the fast path is on the connections (it sets these as own properties).
  const server = socketIoServer(socketApp);
  for (const socket of server.of('/').sockets.values()) {
    expect(Object.hasOwn(socket, 'ack')).toBe(false);
    expect(Object.hasOwn(socket.conn.transport, 'send')).toBe(false);
    expect(Object.hasOwn(socket.conn.transport, '_canSendPreEncodedFrame')).toBe(false);
  }
  const contents = Array.from({ length: 40 }, (_, i) =>
    i % 10 === 9 ? `large ${i} `.repeat(300) : `small ${i}`,
  );
  for (const [i, content] of contents.entries()) {
    const ack = await sender.emitWithAck('chat:send', { roomId, clientMsgId: `stock-${i}`, content });
    expect(ack.ok).toBe(true);
  }
  await inbox.waitFor(contents.length);
  expect(inbox.received.map((m) => m.content)).toEqual(contents);
});
