import { MongoClient, ObjectId, type Db } from 'mongodb';
import { Redis } from 'ioredis';
import { ErrorCode, STREAM_FIELD, encodeDraft, sortableStreamId, type Message } from '@chat/contracts';
import { RedisKeys } from '@chat/redis';
import { createRoom, createUser, fullHistory, http, type TestUser } from '../support/http.js';
import { startAppProcess, type AppProcess } from '../support/processes.js';
import { collect, connect, type ClientSocket } from '../support/socket.js';

/**
 * Room ids as an attacker meets them, against the built api and socket apps as their own
 * processes (docs/decisions/ids.md): a new room's id cannot be derived from rooms made around it;
 * another spelling of a room's id is refused on every route and event, never a second room; and
 * a room made before (an ObjectId, inserted here the way the old release stored it) keeps its
 * history, members, stream and join.
 */
let api: AppProcess;
let socketApp: AppProcess;
let mongo: MongoClient;
let db: Db;
let redis: Redis;
const sockets: ClientSocket[] = [];

/** A document keyed by a string `_id`, as memberships and messages are. */
type StringKeyed = { _id: string } & Record<string, unknown>;

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

beforeAll(async () => {
  [api, socketApp] = await Promise.all([startAppProcess('api'), startAppProcess('socket')]);
  mongo = await new MongoClient(process.env.MONGO_URL!).connect();
  db = mongo.db();
  redis = new Redis(process.env.REDIS_URL!);
});

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

afterAll(async () => {
  await Promise.all([api?.stop(), socketApp?.stop()]);
  await mongo?.close();
  redis?.disconnect();
});

async function open(user: TestUser): Promise<ClientSocket> {
  const socket = await connect(socketApp.url, user.accessToken);
  sockets.push(socket);
  return socket;
}

/**
 * The attack on ObjectId room ids: an id is 4 bytes of seconds, 5 bytes fixed per process and a
 * 3-byte counter, so every id the same process made between probes `a` and `b` has a's middle
 * bytes, a time between theirs and a counter between theirs. True when `target` is among those
 * candidates and they are few enough to try (each try is one POST /rooms/:id/members).
 */
function guessableBetween(a: string, b: string, target: string): boolean {
  const hex24 = /^[0-9a-f]{24}$/;
  if (![a, b, target].every((id) => hex24.test(id))) return false;
  const parts = (id: string) => ({
    time: parseInt(id.slice(0, 8), 16),
    process: id.slice(8, 18),
    counter: parseInt(id.slice(18), 16),
  });
  const [pa, pb, pt] = [parts(a), parts(b), parts(target)];
  const candidates = (pb.time - pa.time + 1) * Math.max(0, pb.counter - pa.counter - 1);
  return (
    candidates <= 100_000 &&
    pt.process === pa.process &&
    pt.time >= pa.time &&
    pt.time <= pb.time &&
    pt.counter > pa.counter &&
    pt.counter < pb.counter
  );
}

const bitsOf = (id: string) =>
  [...id.replaceAll('-', '')].flatMap((digit) => [...parseInt(digit, 16).toString(2).padStart(4, '0')]);

/** Other spellings a lenient parser would take for the same id. */
function otherSpellings(roomId: string): string[] {
  const spellings = [
    roomId.toUpperCase(),
    roomId.replace(/[a-f]/, (c) => c.toUpperCase()),
    `{${roomId}}`,
    ` ${roomId}`,
    `${roomId} `,
    `urn:uuid:${roomId}`,
  ];
  if (roomId.includes('-')) spellings.push(roomId.replaceAll('-', ''));
  return [...new Set(spellings)].filter((spelling) => spelling !== roomId);
}

/** Every way in for `spelling`: both REST routes and both socket events refuse it with VALIDATION. */
async function expectRefusedEverywhere(
  user: TestUser,
  socket: ClientSocket,
  spelling: string,
): Promise<void> {
  const path = `/rooms/${encodeURIComponent(spelling)}`;
  for (const [method, route] of [
    ['POST', `${path}/members`],
    ['GET', `${path}/messages`],
  ] as const) {
    const res = await http(api.url, method, route, { token: user.accessToken });
    expect({ spelling, route, status: res.status, code: res.body?.code }).toEqual({
      spelling,
      route,
      status: 400,
      code: ErrorCode.VALIDATION,
    });
  }
  const join = await socket.emitWithAck('room:join', { roomId: spelling });
  expect({ spelling, join }).toEqual({
    spelling,
    join: { ok: false, error: { code: ErrorCode.VALIDATION, message: expect.stringContaining('roomId') } },
  });
  const send = await socket.emitWithAck('chat:send', {
    roomId: spelling,
    clientMsgId: `other-spelling-${spelling}`,
    content: 'into a room nobody else can see',
  });
  expect({ spelling, send }).toEqual({
    spelling,
    send: { ok: false, error: { code: ErrorCode.VALIDATION, message: expect.stringContaining('roomId') } },
  });
}

/** Nothing exists under any other spelling: no membership, no stream, no cached member set. */
async function expectNoSecondRoom(spellings: string[]): Promise<void> {
  expect(await db.collection('memberships').countDocuments({ roomId: { $in: spellings } })).toBe(0);
  expect(await db.collection('messages').countDocuments({ roomId: { $in: spellings } })).toBe(0);
  for (const spelling of spellings) {
    const keys = [
      RedisKeys.roomStream(spelling),
      RedisKeys.roomMembers(spelling),
      RedisKeys.roomPresence(spelling),
    ];
    expect({ spelling, existing: await redis.exists(...keys) }).toEqual({ spelling, existing: 0 });
  }
}

it("makes a new room's id unpredictable from rooms made just before and after it", async () => {
  const owner = await createUser(api.url);
  const ids: string[] = [];
  for (let i = 0; i < 32; i++) ids.push(await createRoom(api.url, owner));

  for (let i = 1; i + 1 < ids.length; i++) {
    expect({ target: ids[i], guessable: guessableBetween(ids[i - 1], ids[i + 1], ids[i]) }).toEqual({
      target: ids[i],
      guessable: false,
    });
  }
  for (const id of ids) expect(id).toMatch(UUID_V4);

  // 128 bits, of which a UUID v4 fixes 6 (version and variant): every other bit must vary
  // across a burst of rooms from one process (a time prefix, a process tag or a counter's
  // high bits would stay constant), and neighbours must differ in about half of them.
  const bits = ids.map(bitsOf);
  const varying = bits[0].filter((_, i) => bits.some((b) => b[i] !== bits[0][i])).length;
  expect(varying).toBeGreaterThanOrEqual(122);
  for (let i = 1; i < bits.length; i++) {
    const distance = bits[i].filter((bit, j) => bit !== bits[i - 1][j]).length;
    expect(distance).toBeGreaterThanOrEqual(30);
  }
});

it('refuses other spellings of a room id on REST and socket, and never makes a second room of them', async () => {
  const owner = await createUser(api.url);
  const stranger = await createUser(api.url);
  const roomId = await createRoom(api.url, owner);
  const ownerSocket = await open(owner);
  const strangerSocket = await open(stranger);
  expect(await ownerSocket.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
  const secret = await ownerSocket.emitWithAck('chat:send', { roomId, clientMsgId: 's1', content: 'secret' });
  expect(secret.ok).toBe(true);

  const spellings = otherSpellings(roomId);
  expect(spellings).toContain(roomId.toUpperCase());
  for (const spelling of spellings) {
    await expectRefusedEverywhere(stranger, strangerSocket, spelling);
    // The owner too: a member gets no second spelling of their own room either.
    await expectRefusedEverywhere(owner, ownerSocket, spelling);
  }

  await expectNoSecondRoom(spellings);
  expect((await http(api.url, 'GET', '/rooms', { token: stranger.accessToken })).body).toEqual([]);
  const listed = (await http(api.url, 'GET', '/rooms', { token: owner.accessToken })).body;
  expect(listed.map((room: { id: string }) => room.id)).toEqual([roomId]);
  expect(
    (await http(api.url, 'GET', `/rooms/${roomId}/messages`, { token: stranger.accessToken })).status,
  ).toBe(403);
  expect((await fullHistory(api.url, owner, roomId)).map((m: Message) => m.content)).toEqual(['secret']);
});

it('keeps a room made before (an ObjectId) working: history, stream, members, join and send', async () => {
  const owner = await createUser(api.url);
  const joiner = await createUser(api.url);
  const _id = new ObjectId();
  const roomId = _id.toHexString();
  // Stored the way the release before UUIDs stored rooms, memberships and persisted messages.
  const createdAt = new Date(Date.now() - 60_000);
  await db.collection('rooms').insertOne({ _id, name: 'from before', createdBy: owner.id, createdAt });
  await db.collection<StringKeyed>('memberships').insertOne({
    _id: `${roomId}:${owner.id}`,
    roomId,
    userId: owner.id,
    joinedAt: createdAt,
  });
  const persistedId = `${createdAt.getTime()}-0`;
  await db.collection<StringKeyed>('messages').insertOne({
    _id: `${roomId}:${sortableStreamId(persistedId)}`,
    id: persistedId,
    roomId,
    senderId: owner.id,
    senderName: owner.username,
    content: 'persisted before the upgrade',
    clientMsgId: 'old-1',
    createdAt,
  });
  // And one still in the room's Redis stream, not yet drained.
  await redis.xadd(
    RedisKeys.roomStream(roomId),
    '*',
    STREAM_FIELD,
    encodeDraft({
      roomId,
      senderId: owner.id,
      senderName: owner.username,
      content: 'in the stream across the upgrade',
      clientMsgId: 'old-2',
    }),
  );

  const listed = (await http(api.url, 'GET', '/rooms', { token: owner.accessToken })).body;
  expect(listed).toContainEqual({ id: roomId, name: 'from before', createdAt: createdAt.toISOString() });
  const contents = async (user: TestUser) =>
    (await fullHistory(api.url, user, roomId)).map((m: Message) => m.content);
  expect(await contents(owner)).toEqual(['persisted before the upgrade', 'in the stream across the upgrade']);

  expect(
    (await http(api.url, 'GET', `/rooms/${roomId}/messages`, { token: joiner.accessToken })).status,
  ).toBe(403);
  expect(
    (await http(api.url, 'POST', `/rooms/${roomId}/members`, { token: joiner.accessToken })).status,
  ).toBe(204);
  expect(await contents(joiner)).toEqual([
    'persisted before the upgrade',
    'in the stream across the upgrade',
  ]);

  const ownerSocket = await open(owner);
  const joinerSocket = await open(joiner);
  const toOwner = collect(ownerSocket);
  expect(await ownerSocket.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
  expect(await joinerSocket.emitWithAck('room:join', { roomId })).toEqual({ ok: true });
  const sent = await joinerSocket.emitWithAck('chat:send', {
    roomId,
    clientMsgId: 'new-1',
    content: 'after',
  });
  expect(sent).toMatchObject({ ok: true, message: { roomId, content: 'after' } });
  await toOwner.waitFor(1);
  expect(toOwner.received.map((m) => [m.roomId, m.content])).toEqual([[roomId, 'after']]);
  expect(await contents(owner)).toEqual([
    'persisted before the upgrade',
    'in the stream across the upgrade',
    'after',
  ]);

  // Its one spelling is the lower-case hex: the upper-case one is refused like any other.
  const spellings = otherSpellings(roomId);
  for (const spelling of spellings) await expectRefusedEverywhere(joiner, joinerSocket, spelling);
  await expectNoSecondRoom(spellings);
});
