import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import { randomUUID } from 'node:crypto';
import { RoomAccess } from '@chat/access';
import { DrainQueue, MessageAppender } from '@chat/message-log';
import { RedisKeys } from '@chat/redis';
import { MONGO_CONNECTION, MessagesRepository } from '@chat/database';
import { decodeEntry, type Message } from '@chat/contracts';
import { startApi } from '../src/start-api.js';
import { baseUrl } from '../../../test/support/apps.js';
import {
  createRoom,
  createUser,
  fullHistory,
  http,
  uniqueName,
  type TestUser,
} from '../../../test/support/http.js';

let app: INestApplication;
let api: string;
let stream: MessageAppender;
let queue: DrainQueue;
let messages: MessagesRepository;

beforeAll(async () => {
  app = await startApi();
  api = baseUrl(app);
  stream = app.get(MessageAppender);
  queue = app.get(DrainQueue);
  messages = app.get(MessagesRepository);
});

afterAll(async () => {
  await app.close();
});

async function send(user: TestUser, roomId: string, n: number): Promise<Message[]> {
  const sent: Message[] = [];
  for (let i = 0; i < n; i++) {
    const result = await stream.append({
      roomId,
      senderId: user.id,
      senderName: user.username,
      content: `m${i}`,
      clientMsgId: uniqueName('c'),
    });
    sent.push({ ...result.draft, id: result.id, createdAt: '' } as Message);
  }
  return sent;
}

describe('auth', () => {
  it('registers, rejects bad input and taken names', async () => {
    const username = uniqueName();
    const ok = await http(api, 'POST', '/auth/register', { body: { username, password: 'password1' } });
    expect(ok.status).toBe(201);
    expect(ok.body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/), username });

    const taken = await http(api, 'POST', '/auth/register', { body: { username, password: 'password1' } });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ statusCode: 409, error: 'Conflict' });

    for (const body of [
      { username: 'ab', password: 'password1' },
      { username: 'bad name!', password: 'password1' },
      { username: uniqueName(), password: 'short' },
      { username: uniqueName(), password: 'x'.repeat(129) },
      {},
    ]) {
      const res = await http(api, 'POST', '/auth/register', { body });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.any(String) });
    }
  });

  it('logs in with the right password only', async () => {
    const user = await createUser(api);
    const wrong = await http(api, 'POST', '/auth/login', {
      body: { username: user.username, password: 'nope-nope' },
    });
    expect(wrong.status).toBe(401);
    const unknown = await http(api, 'POST', '/auth/login', {
      body: { username: uniqueName(), password: 'whatever1' },
    });
    expect(unknown.status).toBe(401);
    const invalid = await http(api, 'POST', '/auth/login', { body: { username: 5 } });
    expect(invalid.status).toBe(400);
    const ok = await http(api, 'POST', '/auth/login', {
      body: { username: user.username, password: user.password },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 900,
      user: { id: user.id, username: user.username },
    });
  });

  it('rotates refresh tokens and revokes the family when one is reused', async () => {
    const user = await createUser(api);
    const first = await http(api, 'POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(first.status).toBe(200);
    expect(first.body.refreshToken).not.toBe(user.refreshToken);
    expect((await http(api, 'GET', '/rooms', { token: first.body.accessToken })).status).toBe(200);

    const reused = await http(api, 'POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(reused.status).toBe(401);
    // The leak is assumed: the token issued by the first refresh is revoked too.
    const afterReuse = await http(api, 'POST', '/auth/refresh', {
      body: { refreshToken: first.body.refreshToken },
    });
    expect(afterReuse.status).toBe(401);

    expect((await http(api, 'POST', '/auth/refresh', { body: { refreshToken: 'garbage' } })).status).toBe(
      401,
    );
    expect((await http(api, 'POST', '/auth/refresh', { body: {} })).status).toBe(400);
  });

  it('never rotates a token of a revoked family, however a thief races the revocation', async () => {
    for (let round = 0; round < 15; round++) {
      const victim = await createUser(api);
      // The thief took the victim's token and rotates on without pause.
      let thiefToken: string = (
        await http(api, 'POST', '/auth/refresh', { body: { refreshToken: victim.refreshToken } })
      ).body.refreshToken;
      let revoked = false;
      const rotationsStartedAfterRevocation: number[] = [];
      const thief = (async () => {
        for (let i = 0; i < 200; i++) {
          const startedAfter = revoked;
          const result = await http(api, 'POST', '/auth/refresh', { body: { refreshToken: thiefToken } });
          if (result.status !== 200) return;
          if (startedAfter) rotationsStartedAfterRevocation.push(i);
          thiefToken = result.body.refreshToken;
        }
      })();
      // The victim presents the spent token: reuse, the family is revoked.
      const reuse = await http(api, 'POST', '/auth/refresh', { body: { refreshToken: victim.refreshToken } });
      revoked = true;
      expect(reuse.status).toBe(401);
      await thief;
      expect(rotationsStartedAfterRevocation).toEqual([]);
      const last = await http(api, 'POST', '/auth/refresh', { body: { refreshToken: thiefToken } });
      expect(last.status).toBe(401);
    }
  });

  it('treats two concurrent refreshes with one token as reuse: at most one answer, and it cannot rotate', async () => {
    const user = await createUser(api);
    const results = await Promise.all(
      [0, 1].map(() => http(api, 'POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } })),
    );
    const statuses = results.map((r) => r.status).sort();
    // The loser's reuse revokes the family; the winner may or may not have seen that in time.
    expect([[200, 401].join(), [401, 401].join()]).toContain(statuses.join());
    for (const won of results.filter((r) => r.status === 200))
      expect(
        (await http(api, 'POST', '/auth/refresh', { body: { refreshToken: won.body.refreshToken } })).status,
      ).toBe(401);
  });
});

describe('rooms', () => {
  it('creates, joins and lists rooms', async () => {
    const alice = await createUser(api);
    const bob = await createUser(api);
    const name = uniqueName('room');
    const created = await http(api, 'POST', '/rooms', { body: { name }, token: alice.accessToken });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), name, createdAt: expect.any(String) });

    expect((await http(api, 'GET', '/rooms', { token: bob.accessToken })).body).toEqual([]);
    const join = await http(api, 'POST', `/rooms/${created.body.id}/members`, { token: bob.accessToken });
    expect(join.status).toBe(204);
    expect(
      (await http(api, 'POST', `/rooms/${created.body.id}/members`, { token: bob.accessToken })).status,
    ).toBe(204);
    expect((await http(api, 'GET', '/rooms', { token: bob.accessToken })).body).toEqual([created.body]);
  });

  it('answers 400, 401 and 404 per the contract', async () => {
    const user = await createUser(api);
    expect((await http(api, 'GET', '/rooms')).status).toBe(401);
    expect((await http(api, 'GET', '/rooms', { token: 'not-a-jwt' })).status).toBe(401);
    expect((await http(api, 'POST', '/rooms', { body: { name: '' }, token: user.accessToken })).status).toBe(
      400,
    );
    expect(
      (await http(api, 'POST', '/rooms', { body: { name: 'x'.repeat(101) }, token: user.accessToken }))
        .status,
    ).toBe(400);
    expect(
      (await http(api, 'POST', '/rooms/0123456789abcdef01234567/members', { token: user.accessToken }))
        .status,
    ).toBe(404);
    expect(
      (
        await http(api, 'POST', '/rooms/3f2b8c1e-9a4d-4e7f-b612-0c5d8e9fa347/members', {
          token: user.accessToken,
        })
      ).status,
    ).toBe(404);
    // Not a room id at all: refused before any lookup (one rule, libs/contracts/src/room-id.ts).
    const malformed = await http(api, 'POST', '/rooms/not-an-id/members', { token: user.accessToken });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('roomId') });
  });
});

describe('history', () => {
  it('answers 400, 401, 403 and 404 per the contract', async () => {
    const owner = await createUser(api);
    const stranger = await createUser(api);
    const roomId = await createRoom(api, owner);
    const path = `/rooms/${roomId}/messages`;
    expect((await http(api, 'GET', path)).status).toBe(401);
    expect((await http(api, 'GET', path, { token: stranger.accessToken })).status).toBe(403);
    expect(
      (await http(api, 'GET', '/rooms/0123456789abcdef01234567/messages', { token: owner.accessToken }))
        .status,
    ).toBe(404);
    for (const query of ['?limit=0', '?limit=101', '?limit=x', '?before=abc', '?before=1-']) {
      const res = await http(api, 'GET', path + query, { token: owner.accessToken });
      expect(res.status).toBe(400);
    }
    const empty = await http(api, 'GET', path, { token: owner.accessToken });
    expect(empty.body).toEqual({ items: [], nextBefore: null });
  });

  it('is exact across pages while messages are split between MongoDB, the stream, and both', async () => {
    const user = await createUser(api);
    const roomId = await createRoom(api, user);
    const sent = await send(user, roomId, 57);

    // Persist the oldest 30 (as the worker does), then XDEL only the oldest 20: entries 20..29 are
    // in both stores, as between the worker's insert and its XDEL.
    const [[, entries]] = [...(await queue.readOldest([roomId], 30))];
    await messages.insertMany(entries.map(([id, fields]) => decodeEntry(id, fields)));
    await queue.delete(new Map([[roomId, entries.slice(0, 20).map(([id]) => id)]]));

    for (const limit of [1, 7, 10, 50, 100]) {
      const history = await fullHistory(api, user, roomId, limit);
      expect(history.map((m) => m.id)).toEqual(sent.map((m) => m.id));
      expect(history.map((m) => m.content)).toEqual(sent.map((m) => m.content));
      expect(history.map((m) => m.seq)).toEqual(sent.map((_, i) => i + 1));
    }

    const first = await http(api, 'GET', `/rooms/${roomId}/messages?limit=5`, { token: user.accessToken });
    expect(first.body.items.map((m: Message) => m.content)).toEqual(['m56', 'm55', 'm54', 'm53', 'm52']);
    expect(first.body.nextBefore).toBe(first.body.items[4].id);
    expect(first.body.items[0]).toEqual({
      id: expect.stringMatching(/^\d+-\d+$/),
      roomId,
      senderId: user.id,
      seq: 57,
      senderName: user.username,
      content: 'm56',
      clientMsgId: expect.any(String),
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  /** What the worker does for one room: persist its oldest `count` entries, then XDEL them. */
  async function drainOldest(roomId: string, count: number): Promise<number> {
    const [[, entries]] = [...(await queue.readOldest([roomId], count))];
    if (!entries.length) return 0;
    await messages.insertMany(entries.map(([id, fields]) => decodeEntry(id, fields)));
    await queue.delete(new Map([[roomId, entries.map(([id]) => id)]]));
    return entries.length;
  }

  it('stays exact while the worker moves messages, page after page, with pages kept in memory', async () => {
    const user = await createUser(api);
    const roomId = await createRoom(api, user);
    const sent = await send(user, roomId, 60);
    await drainOldest(roomId, 60);
    // Page 1 (numbers 50-99) is read and kept while it holds 50-60 only.
    const expectExact = async (limit: number) => {
      const history = await fullHistory(api, user, roomId, limit);
      expect(history.map((m) => m.id)).toEqual(sent.map((m) => m.id));
    };
    await expectExact(50);
    // More arrive and are persisted: the kept page does not hold them, so it is read again.
    sent.push(...(await send(user, roomId, 10)));
    await drainOldest(roomId, 10);
    await expectExact(50);
    await expectExact(7);

    // And while the worker drains, in small batches, a backlog of 150: every read is exact.
    sent.push(...(await send(user, roomId, 150)));
    let draining = true;
    const worker = (async () => {
      while (await drainOldest(roomId, 9)) await new Promise((r) => setImmediate(r));
      draining = false;
    })();
    let reads = 0;
    do {
      await expectExact(reads % 2 ? 20 : 50);
      reads++;
    } while (draining);
    await worker;
    await expectExact(50);
  });

  it('reads persisted messages from their pages, past numbers the worker dead-lettered', async () => {
    const user = await createUser(api);
    const roomId = await createRoom(api, user);
    const sent = await send(user, roomId, 120);
    // Persist all but number 60 (as if its entry had been dead-lettered), and empty the stream.
    const [[, entries]] = [...(await queue.readOldest([roomId], 200))];
    const decoded = entries.map(([id, fields]) => decodeEntry(id, fields));
    await messages.insertMany(decoded.filter((m) => m.seq !== 60));
    await queue.delete(new Map([[roomId, entries.map(([id]) => id)]]));
    const pages = app.get<Connection>(MONGO_CONNECTION).db!.collection('message_pages');
    const counts = await Promise.all(
      [0, 1, 2].map(
        async (p) => Object.keys((await pages.findOne({ _id: `${roomId}:${p}` as never }))!.m).length,
      ),
    );
    expect(counts).toEqual([49, 49, 21]); // numbers 1-49, 50-99 without 60, 100-120
    // History answers from the pages (not the per-message documents): mark one page entry.
    const page0 = await pages.findOne({ _id: `${roomId}:0` as never });
    const field = Object.keys(page0!.m).find((key) => key.startsWith('30_'))!;
    const marked = { ...JSON.parse(page0!.m[field]), content: 'read from its page' };
    await pages.updateOne(
      { _id: `${roomId}:0` as never },
      { $set: { [`m.${field}`]: JSON.stringify(marked) } },
    );
    sent[29]!.content = 'read from its page';

    const expected = sent.filter((m) => m.seq !== 60);
    for (const limit of [1, 7, 50, 100]) {
      const history = await fullHistory(api, user, roomId, limit);
      expect(history.map((m) => m.id)).toEqual(expected.map((m) => m.id));
      expect(history.map((m) => m.seq)).toEqual(expected.map((m) => m.seq));
      expect(history.map((m) => m.content)).toEqual(expected.map((m) => m.content));
    }
    const below = await http(api, 'GET', `/rooms/${roomId}/messages?limit=3&before=${sent[61]!.id}`, {
      token: user.accessToken,
    });
    expect(below.body.items.map((m: Message) => m.seq)).toEqual([61, 59, 58]);
  });

  it('reads a room from before numbers: its unnumbered messages by id, below the numbered ones', async () => {
    const user = await createUser(api);
    const db = app.get<Connection>(MONGO_CONNECTION).db!;
    const roomId = randomUUID();
    // What the previous release wrote: a room without `numbered`, its membership, its messages.
    await db.collection('rooms').insertOne({
      _id: roomId as never,
      name: 'old room',
      createdBy: user.id,
      createdAt: new Date(),
    });
    await app.get(RoomAccess).addMember(roomId, user.id);
    const start = Date.now() - 60_000;
    const old = Array.from({ length: 23 }, (_, i) => ({
      id: `${start + i}-0`,
      roomId,
      senderId: user.id,
      senderName: user.username,
      content: `old${i}`,
      clientMsgId: `old${i}`,
      createdAt: new Date(start + i).toISOString(),
    }));
    await messages.insertMany(old);
    const sent = await send(user, roomId, 30);
    const [[, entries]] = [...(await queue.readOldest([roomId], 10))];
    await messages.insertMany(entries.map(([id, fields]) => decodeEntry(id, fields)));
    await queue.delete(new Map([[roomId, entries.map(([id]) => id)]]));

    for (const limit of [1, 7, 20, 100]) {
      const history = await fullHistory(api, user, roomId, limit);
      expect(history.map((m) => m.content)).toEqual([...old, ...sent].map((m) => m.content));
      expect(history.map((m) => m.seq)).toEqual([...old.map(() => undefined), ...sent.map((_, i) => i + 1)]);
    }
  });

  it('steps over a long run of missing numbers, and keeps two messages that got one number', async () => {
    const user = await createUser(api);
    const roomId = await createRoom(api, user);
    const start = Date.now() - 60_000;
    const message = (i: number, seq: number) => ({
      id: `${start + i}-0`,
      roomId,
      seq,
      senderId: user.id,
      senderName: user.username,
      content: `n${i}`,
      clientMsgId: `n${i}`,
      createdAt: new Date(start + i).toISOString(),
    });
    // Numbers 1-10, then nothing until 5000 (retention, dead letters), and 5005 given twice
    // (Redis lost its counter before MongoDB had caught up).
    const all = [
      ...Array.from({ length: 10 }, (_, i) => message(i, i + 1)),
      ...Array.from({ length: 6 }, (_, i) => message(10 + i, 5000 + i)),
      message(16, 5005),
      message(17, 5006),
    ];
    await messages.insertMany(all);
    for (const limit of [1, 5, 50]) {
      const history = await fullHistory(api, user, roomId, limit);
      expect(history.map((m) => m.content)).toEqual(all.map((m) => m.content));
    }
  });

  it('pages through a stream tail that holds an undecodable entry', async () => {
    const user = await createUser(api);
    const roomId = await createRoom(api, user);
    const redis = new Redis(process.env.REDIS_URL!);
    try {
      const key = RedisKeys.roomStream(roomId);
      const draft = (i: number) =>
        JSON.stringify({
          roomId,
          seq: i,
          senderId: user.id,
          senderName: user.username,
          content: `s${i}`,
          clientMsgId: `s${i}`,
        });
      for (let i = 1; i <= 8; i++) await redis.xadd(key, `${i}-0`, 'm', i === 6 ? 'not json' : draft(i));
      const history = await fullHistory(api, user, roomId, 3);
      expect(history.map((m) => m.content)).toEqual(['s1', 's2', 's3', 's4', 's5', 's7', 's8']);
    } finally {
      await redis.quit();
    }
  });

  it('orders ids numerically even when their string order differs', async () => {
    const user = await createUser(api);
    const roomId = await createRoom(api, user);
    const redis = new Redis(process.env.REDIS_URL!);
    try {
      const key = RedisKeys.roomStream(roomId);
      const draft = (content: string) =>
        JSON.stringify({
          roomId,
          senderId: user.id,
          senderName: user.username,
          content,
          clientMsgId: content,
        });
      await redis.xadd(key, '9-0', 'm', draft('a'));
      await redis.xadd(key, '10-0', 'm', draft('b'));
      await redis.xadd(key, '10-10', 'm', draft('c'));
      const history = await fullHistory(api, user, roomId, 2);
      expect(history.map((m) => m.content)).toEqual(['a', 'b', 'c']);
    } finally {
      await redis.quit();
    }
  });
});

describe('operations', () => {
  it('serves health, metrics and the OpenAPI document', async () => {
    expect(await http(api, 'GET', '/health')).toEqual({ status: 200, body: { status: 'ok' } });
    const up = { redis: { status: 'up' }, mongodb: { status: 'up' } };
    expect(await http(api, 'GET', '/health/details')).toEqual({
      status: 200,
      body: { status: 'ok', info: up, error: {}, details: up },
    });
    expect(await http(api, 'GET', '/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
    const metrics = await fetch(`${api}/metrics`).then((r) => r.text());
    expect(metrics).toContain('process_cpu_user_seconds_total{app="api"}');
    const doc = await http(api, 'GET', '/docs-json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/auth/register',
        '/auth/login',
        '/auth/refresh',
        '/rooms',
        '/rooms/{roomId}/members',
        '/rooms/{roomId}/messages',
      ]),
    );
  });
});
