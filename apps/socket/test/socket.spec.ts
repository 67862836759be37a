import type { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { Redis } from 'ioredis';
import { ErrorCode, decodeEntry, type Message, type PresenceUpdate } from '@chat/contracts';
import { MessagesRepository } from '@chat/database';
import { ChatStreamRepository, partitionOf } from '@chat/redis';
import { startApi } from '../../api/src/start-api.js';
import { startSocket } from '../src/start-socket.js';
import { baseUrl } from '../../../test/support/apps.js';
import {
  createRoom,
  createRoomWith,
  createUser,
  fullHistory,
  http,
  uniqueName,
  type TestUser,
} from '../../../test/support/http.js';
import { freePort } from '../../../scripts/harness.mjs';
import { PrivateRedis } from '../../../test/support/redis-server.js';
import { collect, connect, type ClientSocket } from '../../../test/support/socket.js';
import { waitUntil } from '../../../scripts/harness.mjs';

let apiApp: INestApplication;
let socketApp: INestApplication;
let api: string;
let url: string;
const sockets: ClientSocket[] = [];

async function open(user: TestUser | undefined, target = url): Promise<ClientSocket> {
  const socket = await connect(target, user?.accessToken);
  sockets.push(socket);
  return socket;
}

beforeAll(async () => {
  apiApp = await startApi();
  socketApp = await startSocket();
  api = baseUrl(apiApp);
  url = baseUrl(socketApp);
});

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

afterAll(async () => {
  await socketApp.close();
  await apiApp.close();
});

describe('handshake', () => {
  it('refuses a missing, invalid or expired token with UNAUTHORIZED', async () => {
    await expect(open(undefined)).rejects.toThrow(ErrorCode.UNAUTHORIZED);
    await expect(connect(url, 'garbage')).rejects.toThrow(ErrorCode.UNAUTHORIZED);
    const [header, , signature] = (await createUser(api)).accessToken.split('.');
    const expiredPayload = Buffer.from(
      JSON.stringify({ sub: 'x', name: 'x', typ: 'access', exp: 1 }),
    ).toString('base64url');
    await expect(connect(url, `${header}.${expiredPayload}.${signature}`)).rejects.toThrow(
      ErrorCode.UNAUTHORIZED,
    );
  });
});

describe('rooms over the socket', () => {
  it('joins a member, and names NOT_FOUND, FORBIDDEN and VALIDATION', async () => {
    const owner = await createUser(api);
    const stranger = await createUser(api);
    const roomId = await createRoom(api, owner);
    const ownerSocket = await open(owner);
    const strangerSocket = await open(stranger);

    expect(await ownerSocket.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
    expect(await ownerSocket.emitWithAck('room:leave', { roomId })).toEqual({ ok: true });
    const forbidden = await strangerSocket.emitWithAck('room:join', { roomId });
    expect(forbidden).toEqual({
      ok: false,
      error: { code: ErrorCode.FORBIDDEN, message: expect.any(String) },
    });
    const missing = await ownerSocket.emitWithAck('room:join', { roomId: '0123456789abcdef01234567' });
    expect(missing).toMatchObject({ ok: false, error: { code: ErrorCode.NOT_FOUND } });
    const invalid = await ownerSocket.emitWithAck('room:join', {} as never);
    expect(invalid).toMatchObject({
      ok: false,
      error: { code: ErrorCode.VALIDATION, message: expect.stringContaining('roomId') },
    });
  });

  it('lets a user who joined over REST in through the membership cache', async () => {
    const owner = await createUser(api);
    const joiner = await createUser(api);
    const roomId = await createRoom(api, owner);
    const socket = await open(joiner);
    expect((await socket.emitWithAck('room:join', { roomId })).ok).toBe(false);
    expect((await http(api, 'POST', `/rooms/${roomId}/members`, { token: joiner.accessToken })).status).toBe(
      204,
    );
    expect(await socket.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
  });
});

describe('chat:send', () => {
  it('acks the full message, broadcasts it once to every socket in the room, and is idempotent', async () => {
    const alice = await createUser(api);
    const bob = await createUser(api);
    const roomId = await createRoomWith(api, alice, [bob]);
    const aliceSocket = await open(alice);
    const bobSocket = await open(bob);
    const toAlice = collect(aliceSocket);
    const toBob = collect(bobSocket);
    await aliceSocket.emitWithAck('room:join', { roomId });
    await bobSocket.emitWithAck('room:join', { roomId });

    const ack = await aliceSocket.emitWithAck('chat:send', {
      roomId,
      clientMsgId: 'c-1',
      content: 'hello bob',
    });
    expect(ack).toEqual({
      ok: true,
      message: {
        id: expect.stringMatching(/^\d+-\d+$/),
        roomId,
        senderId: alice.id,
        senderName: alice.username,
        content: 'hello bob',
        clientMsgId: 'c-1',
        createdAt: expect.any(String),
      },
    });
    await toBob.waitFor(1);
    expect(toBob.received).toEqual([(ack as { message: unknown }).message]);

    const again = await aliceSocket.emitWithAck('chat:send', {
      roomId,
      clientMsgId: 'c-1',
      content: 'changed',
    });
    expect(again).toEqual(ack);
    // A later message proves the repeat was not broadcast: bob sees exactly two.
    await aliceSocket.emitWithAck('chat:send', { roomId, clientMsgId: 'c-2', content: 'second' });
    await toBob.waitFor(2);
    expect(toBob.received.map((m) => m.content)).toEqual(['hello bob', 'second']);
    // The sender's socket joined the room too: it gets the same stream (in order) besides its acks.
    await toAlice.waitFor(2);
    expect(toAlice.received).toEqual(toBob.received);
    expect((await fullHistory(api, alice, roomId)).map((m) => m.content)).toEqual(['hello bob', 'second']);
  });

  it('stores one clientMsgId sent to two rooms of the same partition in both', async () => {
    const alice = await createUser(api);
    // Rooms share 64 partitions: a handful of rooms holds two of one partition.
    const byPartition = new Map<number, string>();
    let pair: [string, string] | undefined;
    while (!pair) {
      const roomId = await createRoom(api, alice);
      const other = byPartition.get(partitionOf(roomId));
      if (other) pair = [other, roomId];
      else byPartition.set(partitionOf(roomId), roomId);
    }
    const socket = await open(alice);
    const acks = [];
    for (const roomId of pair)
      acks.push(await socket.emitWithAck('chat:send', { roomId, clientMsgId: 'same', content: roomId }));
    for (const [i, roomId] of pair.entries()) {
      expect(acks[i]).toMatchObject({ ok: true, message: { roomId, content: roomId } });
      expect((await fullHistory(api, alice, roomId)).map((m) => m.content)).toEqual([roomId]);
    }
  });

  it('checks membership without a prior room:join, and stops delivering after room:leave', async () => {
    const alice = await createUser(api);
    const bob = await createUser(api);
    const stranger = await createUser(api);
    const roomId = await createRoomWith(api, alice, [bob]);
    const aliceSocket = await open(alice);
    const bobSocket = await open(bob);
    const strangerSocket = await open(stranger);
    const toBob = collect(bobSocket);
    await bobSocket.emitWithAck('room:join', { roomId });

    expect(
      (await aliceSocket.emitWithAck('chat:send', { roomId, clientMsgId: 'a', content: 'one' })).ok,
    ).toBe(true);
    await toBob.waitFor(1);
    const forbidden = await strangerSocket.emitWithAck('chat:send', {
      roomId,
      clientMsgId: 'x',
      content: 'hi',
    });
    expect(forbidden).toMatchObject({ ok: false, error: { code: ErrorCode.FORBIDDEN } });
    const missing = await aliceSocket.emitWithAck('chat:send', {
      roomId: 'ffffffffffffffffffffffff',
      clientMsgId: 'y',
      content: 'hi',
    });
    expect(missing).toMatchObject({ ok: false, error: { code: ErrorCode.NOT_FOUND } });

    await bobSocket.emitWithAck('room:leave', { roomId });
    await aliceSocket.emitWithAck('chat:send', { roomId, clientMsgId: 'b', content: 'two' });
    await bobSocket.emitWithAck('room:join', { roomId });
    await aliceSocket.emitWithAck('chat:send', { roomId, clientMsgId: 'c', content: 'three' });
    await toBob.waitFor(2);
    expect(toBob.received.map((m) => m.content)).toEqual(['one', 'three']);
  });

  it('names the field on VALIDATION and refuses files it cannot upload, storing nothing', async () => {
    const alice = await createUser(api);
    const roomId = await createRoom(api, alice);
    const socket = await open(alice);
    const cases: Array<[unknown, string]> = [
      [{ roomId, content: 'x' }, 'clientMsgId'],
      [{ roomId, clientMsgId: 'k', content: 'x'.repeat(4001) }, 'content'],
      [{ roomId, clientMsgId: 'k', content: '' }, 'content'],
      [{ clientMsgId: 'k', content: 'x' }, 'roomId'],
      [{ roomId, clientMsgId: 'k', file: { name: 'a.txt', data: 'text' } }, 'file.data'],
    ];
    for (const [payload, field] of cases) {
      const ack = await socket.emitWithAck('chat:send', payload as never);
      expect(ack).toEqual({
        ok: false,
        error: { code: ErrorCode.VALIDATION, message: expect.stringContaining(field) },
      });
    }
    // No payload at all: the ack is the only argument, and still gets an answer.
    const bare = socket.emitWithAck as unknown as (event: string) => Promise<unknown>;
    expect(await bare.call(socket, 'chat:send')).toMatchObject({
      ok: false,
      error: { code: ErrorCode.VALIDATION },
    });
    // A file over MAX_FILE_BYTES is refused when its upload begins (larger than one message, it
    // would go in chunks).
    const tooBig = await socket.emitWithAck('file:begin', {
      roomId,
      name: 'a.bin',
      size: 10 * 1024 * 1024 + 1,
    });
    expect(tooBig).toMatchObject({ ok: false, error: { code: ErrorCode.FILE_TOO_LARGE } });
    const file = await socket.emitWithAck('chat:send', {
      roomId,
      clientMsgId: 'f',
      file: { name: 'a.txt', data: Buffer.from('hi') },
    });
    expect(file).toMatchObject({ ok: false, error: { code: ErrorCode.FILE_UPLOAD_FAILED } });
    expect(await fullHistory(api, alice, roomId)).toEqual([]);
  });
});

describe('Redis outage', () => {
  it('answers STORE_FAILED (never ok) while Redis is down, and recovers by itself', async () => {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    const previous = process.env.REDIS_URL;
    process.env.REDIS_URL = redis.url;
    const isolated = await startSocket();
    process.env.REDIS_URL = previous;
    try {
      const alice = await createUser(api);
      const roomId = await createRoom(api, alice);
      const socket = await open(alice, baseUrl(isolated));
      expect(await socket.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
      expect(
        (await socket.emitWithAck('chat:send', { roomId, clientMsgId: uniqueName(), content: 'before' })).ok,
      ).toBe(true);

      await redis.stop();
      const during = await socket.emitWithAck('chat:send', {
        roomId,
        clientMsgId: 'during',
        content: 'lost?',
      });
      expect(during).toEqual({
        ok: false,
        error: { code: ErrorCode.STORE_FAILED, message: expect.any(String) },
      });
      expect(await http(baseUrl(isolated), 'GET', '/health/details')).toMatchObject({
        status: 503,
        body: { status: 'error', error: { redis: { status: 'down', message: expect.any(String) } } },
      });

      await redis.start();
      let after: { ok: boolean } = { ok: false };
      await waitUntil(
        async () =>
          (after = await socket.emitWithAck('chat:send', {
            roomId,
            clientMsgId: 'during',
            content: 'retried',
          })).ok,
        { what: 'a send to succeed after the restart', timeoutMs: 5000 },
      ).catch(() => {}); // the expectation below shows the last answer
      expect(after).toMatchObject({ ok: true, message: { content: 'retried' } });
      expect((await http(baseUrl(isolated), 'GET', '/health')).status).toBe(200);
    } finally {
      await isolated.close();
      await redis.stop();
    }
  });
});

/** Starts another socket app in-process with extra settings (config is read at start). */
async function startSocketWith(env: Record<string, string>): Promise<INestApplication> {
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

async function sendN(socket: ClientSocket, roomId: string, n: number, prefix: string): Promise<Message[]> {
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

describe('recovery (room:join with lastMessageId)', () => {
  it('replays exactly what followed, from MongoDB and the stream, before the ack, then goes live', async () => {
    const alice = await createUser(api);
    const bob = await createUser(api);
    const roomId = await createRoomWith(api, alice, [bob]);
    const aliceSocket = await open(alice);
    const sent = await sendN(aliceSocket, roomId, 30, 'm');

    // What the worker does: the 20 oldest go to MongoDB and leave the stream.
    const stream = socketApp.get(ChatStreamRepository);
    const oldest = (await stream.readOldest([roomId], 20)).get(roomId)!;
    await socketApp.get(MessagesRepository).insertMany(oldest.map(([id, fields]) => decodeEntry(id, fields)));
    await stream.delete(new Map([[roomId, oldest.map(([id]) => id)]]));

    const bobSocket = await open(bob);
    const toBob = collect(bobSocket);
    const ack = await bobSocket.emitWithAck('room:join', { roomId, lastMessageId: sent[4].id });
    expect(ack).toEqual({ ok: true, replayed: 25, recovered: true });
    // Delivered before the ack, in order: 5..29 (15 from MongoDB, 10 from the stream).
    expect(toBob.received.map((m) => m.content)).toEqual(sent.slice(5).map((m) => m.content));

    const [live] = await sendN(aliceSocket, roomId, 1, 'live');
    await toBob.waitFor(26);
    expect(toBob.received.at(-1)).toEqual(live);
    expect(toBob.received).toHaveLength(26);

    // Nothing after the newest: an empty replay.
    const again = await bobSocket.emitWithAck('room:join', { roomId, lastMessageId: live.id });
    expect(again).toEqual({ ok: true, replayed: 0, recovered: true });
    expect(await bobSocket.emitWithAck('room:join', { roomId, lastMessageId: 'nope' })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.VALIDATION },
    });
  });
});

describe('presence', () => {
  it('lists who is online, and tells the room when a user comes and goes', async () => {
    const alice = await createUser(api);
    const bob = await createUser(api);
    const roomId = await createRoomWith(api, alice, [bob]);
    const aliceSocket = await open(alice);
    const updates: PresenceUpdate[] = [];
    aliceSocket.on('presence:update', (update) => updates.push(update));
    await aliceSocket.emitWithAck('room:join', { roomId });

    const bobSocket = await open(bob);
    const bobSecond = await open(bob);
    await bobSocket.emitWithAck('room:join', { roomId });
    await bobSecond.emitWithAck('room:join', { roomId });
    const online = await aliceSocket.emitWithAck('presence:get', { roomId });
    expect(online).toEqual({
      ok: true,
      users: [alice, bob]
        .map((u) => ({ id: u.id, username: u.username }))
        .sort((a, b) => a.username.localeCompare(b.username)),
    });
    const viaApi = await http(api, 'GET', `/rooms/${roomId}/presence`, { token: alice.accessToken });
    expect(viaApi.status).toBe(200);
    expect(viaApi.body).toEqual({ roomId, users: (online as { users: unknown[] }).users });

    // One of bob's two connections leaving changes nothing; the last one makes him offline.
    bobSocket.close();
    // A wait for nothing to happen: bob must still be online once the server saw the close.
    await new Promise((r) => setTimeout(r, 200));
    expect((await aliceSocket.emitWithAck('presence:get', { roomId })) as object).toMatchObject({
      users: expect.arrayContaining([{ id: bob.id, username: bob.username }]),
    });
    bobSecond.close();
    await waitUntil(() => updates.length >= 3, {
      what: 'bob going offline',
      timeoutMs: 2500,
      intervalMs: 50,
    }).catch(
      () => {}, // the expectation below shows the updates
    );
    const bobUser = { id: bob.id, username: bob.username };
    expect(updates).toEqual([
      { roomId, user: { id: alice.id, username: alice.username }, online: true },
      { roomId, user: bobUser, online: true },
      { roomId, user: bobUser, online: false },
    ]);
    expect(await aliceSocket.emitWithAck('presence:get', { roomId })).toEqual({
      ok: true,
      users: [{ id: alice.id, username: alice.username }],
    });
    const stranger = await open(await createUser(api));
    expect(await stranger.emitWithAck('presence:get', { roomId })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.FORBIDDEN },
    });
  });
});

describe('limits and token lifetime', () => {
  let limited: INestApplication;
  beforeAll(async () => {
    limited = await startSocketWith({
      RATE_LIMIT_PER_SEC: '5',
      RATE_LIMIT_BURST: '3',
      RECOVERY_MAX_MESSAGES: '5',
      TOKEN_EXPIRY_WARNING_SEC: '2',
    });
  });
  afterAll(() => limited.close());

  it('answers RATE_LIMITED above the burst, keeps the connection, and lets the user go on later', async () => {
    const alice = await createUser(api);
    const roomId = await createRoom(api, alice);
    const socket = await open(alice, baseUrl(limited));
    const acks = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        socket.emitWithAck('chat:send', { roomId, clientMsgId: `burst-${i}`, content: `b${i}` }),
      ),
    );
    expect(acks.filter((a) => a.ok)).toHaveLength(3);
    expect(acks.filter((a) => !a.ok).map((a) => (a as { error: { code: string } }).error.code)).toEqual(
      Array(3).fill(ErrorCode.RATE_LIMITED),
    );
    expect(socket.connected).toBe(true);
    await new Promise((r) => setTimeout(r, 250)); // the time one token takes to come back at 5/s
    const later = await socket.emitWithAck('chat:send', { roomId, clientMsgId: 'burst-3', content: 'b3' });
    expect(later.ok).toBe(true);
    const stored = (await fullHistory(api, alice, roomId)).map((m) => m.content);
    expect(stored.slice(0, 3).sort()).toEqual(['b0', 'b1', 'b2']); // the burst, in arrival order
    expect(stored[3]).toBe('b3');
  });

  it('does not replay more than RECOVERY_MAX_MESSAGES: recovered is false and live goes on', async () => {
    const alice = await createUser(api);
    const roomId = await createRoom(api, alice);
    const sender = await open(alice);
    const [first] = await sendN(sender, roomId, 8, 'x');
    const socket = await open(alice, baseUrl(limited));
    const ack = await socket.emitWithAck('room:join', { roomId, lastMessageId: first.id });
    expect(ack).toMatchObject({ ok: true, recovered: false });
  });

  it('warns before the token expires, accepts a refresh, and disconnects with UNAUTHORIZED without one', async () => {
    const alice = await createUser(api);
    const bob = await createUser(api);
    const jwt = new JwtService({ secret: process.env.JWT_SECRET!, signOptions: { algorithm: 'HS256' } });
    const token = (user: TestUser, seconds: number) =>
      jwt.sign({ sub: user.id, name: user.username, typ: 'access' }, { expiresIn: seconds });
    const first = token(alice, 3);
    const firstExpiresAt = (jwt.decode(first) as { exp: number }).exp * 1000;
    const socket = await connect(baseUrl(limited), first);
    sockets.push(socket);
    const events: string[] = [];
    socket.on('auth:expiring', () => events.push('expiring'));
    socket.on('auth:expired', (error) => events.push(`expired:${error.code}`));
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));

    await waitUntil(() => events.length > 0, { what: 'the expiry warning', timeoutMs: 3000 });
    expect(events).toEqual(['expiring']); // 2 s ahead of a 3 s token
    expect(await socket.emitWithAck('auth:refresh', { token: token(bob, 60) })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.UNAUTHORIZED },
    });
    const refreshed = await socket.emitWithAck('auth:refresh', { token: token(alice, 4) });
    expect(refreshed).toEqual({ ok: true, expiresAt: expect.any(String) });
    // Time must pass the first token's expiry (a TTL, not a condition): the connection outlives it.
    await new Promise((r) => setTimeout(r, firstExpiresAt + 500 - Date.now()));
    expect(socket.connected).toBe(true);
    expect(await disconnected).toBe('io server disconnect');
    expect(events).toEqual(['expiring', 'expiring', `expired:${ErrorCode.UNAUTHORIZED}`]);
  });
});

describe('live delivery across a lost pub/sub connection', () => {
  it('catches up from the stream: the room gets every message once, in order', async () => {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    const isolated = await startSocketWith({ REDIS_URL: redis.url });
    const admin = new Redis(redis.url);
    try {
      const alice = await createUser(api);
      const bob = await createUser(api);
      const roomId = await createRoomWith(api, alice, [bob]);
      const [aliceSocket, bobSocket] = [
        await open(alice, baseUrl(isolated)),
        await open(bob, baseUrl(isolated)),
      ];
      const toBob = collect(bobSocket);
      await bobSocket.emitWithAck('room:join', { roomId });
      const sent = await sendN(aliceSocket, roomId, 5, 'before');
      // Cut the instance's subscription, then keep sending while it reconnects.
      await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      sent.push(...(await sendN(aliceSocket, roomId, 20, 'during')));
      await toBob.waitFor(25, 10_000);
      // One more behind them: once it is in, a late duplicate of the others would be too.
      sent.push(...(await sendN(aliceSocket, roomId, 1, 'after')));
      await toBob.waitFor(26, 10_000);
      expect(toBob.received.map((m) => m.id)).toEqual(sent.map((m) => m.id));
    } finally {
      await admin.quit();
      await isolated.close();
      await redis.stop();
    }
  });
});
