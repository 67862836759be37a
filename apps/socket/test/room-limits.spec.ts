import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { ErrorCode } from '@chat/contracts';
import { MessageAppender } from '@chat/message-log';
import { RedisKeys } from '@chat/redis';
import { outboundBytes } from '../src/transport/engine-writes.js';
import { createRoom, createUser, uniqueName } from '../../../test/support/http.js';
import { inProcessChat, socketIoServer } from '../../../test/support/in-process.js';
import { waitUntil } from '../../../scripts/harness.mjs';
import { collect, tcpOf, type ClientSocket, NO_HEARTBEAT } from '../../../test/support/socket.js';

/**
 * What one client can make a socket instance do with room:join and room:leave: re-joins and
 * concurrent joins hold the room once and replay nothing twice; joins are rate-limited and
 * capped per connection and per user; a replay goes at the pace the client reads, and a client
 * that stops reading holds a bounded number of bytes, then is disconnected.
 */
const LIMITS = {
  JOIN_RATE_LIMIT_PER_SEC: '1',
  JOIN_RATE_LIMIT_BURST: '8',
  MAX_ROOMS_PER_CONNECTION: '2',
  MAX_JOINS_PER_USER: '3',
  REPLAY_MAX_BUFFERED_BYTES: String(64 * 1024),
  SOCKET_STALL_TIMEOUT_MS: '3000',
  ...NO_HEARTBEAT,
};

const chat = inProcessChat(LIMITS);
const { open } = chat;
let redis: Redis;

beforeAll(() => {
  redis = new Redis(process.env.REDIS_URL!);
});

afterAll(() => {
  redis.disconnect();
});

/** Subscribers of the room's live channel: one per instance that holds the room. */
async function subscribers(roomId: string): Promise<number> {
  const [, count] = (await redis.call('PUBSUB', 'SHARDNUMSUB', RedisKeys.roomChannel(roomId))) as [
    string,
    number,
  ];
  return count;
}

/** `count` stored messages of about `bytes` each, straight into the room's stream. */
async function fill(roomId: string, count: number, bytes: number): Promise<string[]> {
  const stream = chat.socketApp.get(MessageAppender);
  // Random text: the connection compresses large frames, and a repeated letter would shrink
  // 24 MB to a few hundred KB on the wire.
  const content = randomBytes(Math.ceil((bytes * 3) / 4))
    .toString('base64')
    .slice(0, bytes);
  const results = await Promise.all(
    Array.from({ length: count }, () =>
      stream.append({ roomId, senderId: 's', senderName: 'sam', content, clientMsgId: uniqueName() }),
    ),
  );
  return results.map((r) => r.id);
}

/** The server side of a client's connection. */
function serverConnection(client: ClientSocket): unknown {
  const server = socketIoServer(chat.socketApp);
  return server.of('/').sockets.get(client.id!)!.conn;
}

it('holds a room once per connection: concurrent joins, then one leave, unsubscribe the instance', async () => {
  const alice = await createUser(chat.api);
  const roomId = await createRoom(chat.api, alice);
  const socket = await open(alice);
  const acks = await Promise.all([0, 1, 2, 3].map(() => socket.emitWithAck('room:join', { roomId })));
  expect(acks).toEqual(Array(4).fill({ ok: true }));
  expect(await subscribers(roomId)).toBe(1);
  expect(await socket.emitWithAck('room:leave', { roomId })).toEqual({ ok: true });
  await waitUntil(async () => (await subscribers(roomId)) === 0, {
    what: 'the instance to drop the room',
    timeoutMs: 10_000,
    intervalMs: 50,
  });
});

it('does not replay again when a joined room is joined again', async () => {
  const alice = await createUser(chat.api);
  const roomId = await createRoom(chat.api, alice);
  await fill(roomId, 20, 10);
  const socket = await open(alice);
  const received = collect(socket);
  expect(await socket.emitWithAck('room:join', { roomId, lastMessageId: '0-0' })).toEqual({
    ok: true,
    replayed: 20,
    recovered: true,
  });
  expect(await socket.emitWithAck('room:join', { roomId, lastMessageId: '0-0' })).toEqual({
    ok: true,
    replayed: 0,
    recovered: true,
  });
  const [live] = await fill(roomId, 1, 10);
  await received.waitFor(21);
  expect(received.received).toHaveLength(21);
  expect(received.received.at(-1)!.id).toBe(live);
});

it('caps rooms per connection and joins per user with TOO_MANY_ROOMS, and rate-limits joins', async () => {
  const alice = await createUser(chat.api);
  const rooms = await Promise.all([0, 1, 2, 3].map(() => createRoom(chat.api, alice)));
  const [first, second] = [await open(alice), await open(alice)];
  expect(await first.emitWithAck('room:join', { roomId: rooms[0]! })).toEqual({ ok: true });
  expect(await first.emitWithAck('room:join', { roomId: rooms[1]! })).toEqual({ ok: true });
  expect(await first.emitWithAck('room:join', { roomId: rooms[2]! })).toMatchObject({
    ok: false,
    error: { code: ErrorCode.TOO_MANY_ROOMS, message: expect.stringContaining('2 rooms') },
  });
  // The user's third join over both connections is its last.
  expect(await second.emitWithAck('room:join', { roomId: rooms[2]! })).toEqual({ ok: true });
  expect(await second.emitWithAck('room:join', { roomId: rooms[3]! })).toMatchObject({
    ok: false,
    error: { code: ErrorCode.TOO_MANY_ROOMS },
  });
  // A leave gives a join back.
  expect(await first.emitWithAck('room:leave', { roomId: rooms[0]! })).toEqual({ ok: true });
  expect(await second.emitWithAck('room:join', { roomId: rooms[3]! })).toEqual({ ok: true });
  // Joins and leaves share a bucket of 8 at 1/s: a burst of leaves runs out of it.
  const leaves = await Promise.all(rooms.map((roomId) => first.emitWithAck('room:leave', { roomId })));
  expect(leaves.filter((ack) => !ack.ok)).toContainEqual({
    ok: false,
    error: { code: ErrorCode.RATE_LIMITED, message: expect.any(String) },
  });
  expect(first.connected).toBe(true);
});

it('replays at the pace the client reads, holding a bounded number of bytes for it', async () => {
  const alice = await createUser(chat.api);
  const roomId = await createRoom(chat.api, alice);
  // 24 MB: far more than the kernel's socket buffers on both sides can take.
  const ids = await fill(roomId, 6000, 4000);
  const socket = await open(alice);
  const tcp = tcpOf(socket);
  tcp.pause();
  const received = collect(socket);
  const ack = socket.emitWithAck('room:join', { roomId, lastMessageId: '0-0' });
  const conn = serverConnection(socket);
  // The replay fills the kernel's buffers, then the server's own: it must stop at the bound.
  await waitUntil(() => outboundBytes(conn) >= 64 * 1024, {
    what: 'the replay to wait for the client',
    timeoutMs: 20_000,
    intervalMs: 50,
  });
  // Sampled for half a second: the bound must hold while time passes, not at one moment.
  let most = 0;
  for (let i = 0; i < 10; i++) {
    most = Math.max(most, outboundBytes(conn));
    await new Promise((r) => setTimeout(r, 50));
  }
  // The bound plus what is emitted between two looks (32 messages).
  expect(most).toBeLessThan(64 * 1024 + 33 * 4100);
  tcp.resume();
  expect(await ack).toEqual({ ok: true, replayed: 6000, recovered: true });
  await received.waitFor(6000);
  expect(received.received.map((m) => m.id)).toEqual(ids);
});

it('disconnects a client that reads nothing while its replay waits', async () => {
  const alice = await createUser(chat.api);
  const roomId = await createRoom(chat.api, alice);
  await fill(roomId, 6000, 4000);
  const socket = await open(alice);
  tcpOf(socket).pause();
  const server = socketIoServer(chat.socketApp);
  const id = socket.id!;
  socket.emit('room:join', { roomId, lastMessageId: '0-0' }, () => undefined);
  await waitUntil(() => !server.of('/').sockets.has(id), {
    what: 'the server to drop the stalled client',
    timeoutMs: 40_000,
    intervalMs: 50,
  });
}, 90_000);
