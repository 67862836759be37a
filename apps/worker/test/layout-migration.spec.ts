import { Test, type TestingModule } from '@nestjs/testing';
import { ScheduleModule } from '@nestjs/schedule';
import { Types, type Connection } from 'mongoose';
import { randomUUID } from 'node:crypto';
import { ConfigModule, loadConfig, type AppConfig } from '@chat/config';
import { ErrorCode } from '@chat/contracts';
import {
  DatabaseModule,
  LayoutChange,
  LayoutMigrations,
  MessagesRepository,
  MONGO_CONNECTION,
  RoomsRepository,
  UsersRepository,
} from '@chat/database';
import { MessageLogModule, MessageReader } from '@chat/message-log';
import { ObservabilityModule } from '@chat/observability';
import { REDIS, RedisModule, type RedisClient } from '@chat/redis';
import { LayoutMigrationJob } from '../src/layout/layout-migration.job.js';
import { REDIS_DB, redisDb } from '../../../test/support/isolation.js';
import { LayoutModule } from '../src/layout/layout.module.js';

/**
 * The keyed layout on a database written by the code before it: users without username keys,
 * memberships without room lists. Before the migration both reads still answer (through the
 * old queries), after it they answer from the keys, the same; the migration can run twice.
 * Also: registration claims the username's key, takes over a key left without its user, and of
 * two registrations racing for one name exactly one wins and is the one found at login.
 */
let moduleRef: TestingModule;
let db: Connection['db'];
let users: UsersRepository;
let rooms: RoomsRepository;

/**
 * Databases of this file's own: the migrations change every legacy record of a database, and
 * wait for every stream entry without a number to be persisted, so they must not run on the
 * ones the other test files share.
 */
function config(): AppConfig {
  const base = loadConfig();
  const url = new URL(base.MONGO_URL);
  url.pathname = `${url.pathname}_layout`;
  return { ...base, MONGO_URL: url.toString(), REDIS_URL: redisDb(REDIS_DB.layout), LAYOUT_MIGRATIONS: true };
}

async function boot(): Promise<TestingModule> {
  const ref = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(config()),
      ObservabilityModule.forApp('worker'),
      ScheduleModule.forRoot(),
      RedisModule,
      DatabaseModule,
      LayoutModule,
      MessageLogModule,
    ],
  }).compile();
  await ref.init();
  return ref;
}

beforeAll(async () => {
  moduleRef = await boot();
  db = moduleRef.get<Connection>(MONGO_CONNECTION).db;
  await db!.dropDatabase();
  await moduleRef.get<RedisClient>(REDIS).flushdb();
  users = moduleRef.get(UsersRepository);
  rooms = moduleRef.get(RoomsRepository);
});

afterAll(() => moduleRef?.close());

/** What the code before the keyed layout wrote: a user, and memberships, nothing else. */
async function legacyUser(rooms: string[]): Promise<{ id: string; username: string }> {
  const id = new Types.ObjectId();
  const username = `legacy_${randomUUID().slice(0, 8)}`;
  await db!.collection('users').insertOne({ _id: id, username, passwordHash: 'h', createdAt: new Date() });
  for (const roomId of rooms) {
    await db!
      .collection('memberships')
      .insertOne({ _id: `${roomId}:${id}` as never, roomId, userId: String(id), joinedAt: new Date() });
  }
  return { id: String(id), username };
}

it('answers logins and room lists on a legacy database before, during and after the migration', async () => {
  const owner = randomUUID();
  const roomA = await rooms.create('layout-a', owner);
  const roomB = await rooms.create('layout-b', owner);
  const alice = await legacyUser([roomA.id, roomB.id]);
  const bob = await legacyUser([roomB.id]);
  // The flags say "not migrated": a process started now asks the old queries too, and its
  // migration job starts at once (its answers must not depend on how far that has got).
  await db!.collection('layout_migrations').deleteMany({});
  const fresh = await boot();
  try {
    const [freshUsers, freshRooms] = [fresh.get(UsersRepository), fresh.get(RoomsRepository)];
    expect((await freshUsers.findByUsername(alice.username))?.id).toBe(alice.id);
    expect((await freshRooms.listForUser(alice.id)).map((r) => r.id)).toEqual([roomA.id, roomB.id]);

    const job = fresh.get(LayoutMigrationJob);
    expect(await job.run()).toBe(true);
    expect(await job.run()).toBe(true); // again: nothing changes
    const layout = fresh.get(LayoutMigrations);
    expect(await layout.isFinished(LayoutChange.usernameKeys)).toBe(true);
    expect(await layout.isFinished(LayoutChange.userRooms)).toBe(true);

    // The keys themselves, not a fallback: bob never logged in before the migration.
    expect(await db!.collection('usernames').findOne({ _id: bob.username as never })).toMatchObject({
      userId: bob.id,
    });
    expect(await db!.collection('user_rooms').findOne({ _id: alice.id as never })).toMatchObject({
      rooms: { [roomA.id]: 1, [roomB.id]: 1 },
    });
    // A process that knows the migration finished reads keys only.
    const after = await boot();
    try {
      expect((await after.get(UsersRepository).findByUsername(bob.username))?.id).toBe(bob.id);
      expect(await after.get(UsersRepository).findByUsername(`nobody_${randomUUID()}`)).toBeNull();
      expect((await after.get(RoomsRepository).listForUser(alice.id)).map((r) => r.id)).toEqual([
        roomA.id,
        roomB.id,
      ]);
      expect((await after.get(RoomsRepository).listForUser(bob.id)).map((r) => r.id)).toEqual([roomB.id]);
    } finally {
      await after.close();
    }
  } finally {
    await fresh.close();
  }
});

it('keeps the room list with every join, and a second join repairs it', async () => {
  const user = randomUUID();
  const room = await rooms.create('joined', randomUUID());
  await rooms.addMember(room.id, user);
  expect(await db!.collection('user_rooms').findOne({ _id: user as never })).toMatchObject({
    rooms: { [room.id]: 1 },
  });
  await db!.collection('user_rooms').deleteOne({ _id: user as never }); // a crash between the writes
  await rooms.addMember(room.id, user);
  expect(await db!.collection('user_rooms').findOne({ _id: user as never })).toMatchObject({
    rooms: { [room.id]: 1 },
  });
});

it('claims the username key at registration and takes over a key left without its user', async () => {
  const name = `claim_${randomUUID().slice(0, 8)}`;
  await db!.collection('usernames').insertOne({ _id: name as never, userId: String(new Types.ObjectId()) }); // its user never written
  const user = await users.create(name, 'hash');
  expect(await db!.collection('usernames').findOne({ _id: name as never })).toMatchObject({
    userId: user.id,
  });
  expect((await users.findByUsername(name))?.id).toBe(user.id);
  await expect(users.create(name, 'other')).rejects.toMatchObject({ code: ErrorCode.CONFLICT });
  expect((await users.findByUsername(name))?.id).toBe(user.id);
});

it('lets exactly one of racing registrations have a name, and finds that one at login', async () => {
  const name = `race_${randomUUID().slice(0, 8)}`;
  const results = await Promise.allSettled(Array.from({ length: 8 }, () => users.create(name, 'hash')));
  const winners = results.filter((r) => r.status === 'fulfilled');
  expect(winners).toHaveLength(1);
  for (const r of results)
    if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: ErrorCode.CONFLICT });
  const winner = (winners[0] as PromiseFulfilledResult<{ id: string }>).value;
  expect((await users.findByUsername(name))?.id).toBe(winner.id);
});

it('numbers the messages of a room from before numbers below 1, idempotently, and history reads them by key', async () => {
  const user = randomUUID();
  const roomId = randomUUID();
  // What the previous release left: a room without `numbered`, messages without numbers; then
  // this release's messages, numbered from 1, persisted by the worker.
  await db!
    .collection('rooms')
    .insertOne({ _id: roomId as never, name: 'old', createdBy: user, createdAt: new Date() });
  const start = Date.now() - 3_600_000;
  const message = (i: number, seq?: number) => ({
    id: `${start + i}-${i % 3}`,
    roomId,
    ...(seq !== undefined && { seq }),
    senderId: user,
    senderName: 'ann',
    content: `m${i}`,
    clientMsgId: `c${i}`,
    createdAt: new Date(start + i).toISOString(),
  });
  const messages = moduleRef.get(MessagesRepository);
  await messages.insertMany(Array.from({ length: 57 }, (_, i) => message(i)));
  await messages.insertMany(Array.from({ length: 8 }, (_, i) => message(57 + i, i + 1)));
  const walk = async (reader: MessageReader, limit: number) => {
    const all: { content: string; seq?: number }[] = [];
    let before: string | undefined;
    do {
      const page = await reader.page(roomId, limit, before);
      all.push(...page.items);
      before = page.nextBefore ?? undefined;
    } while (before);
    return all.reverse();
  };
  const contents = Array.from({ length: 65 }, (_, i) => `m${i}`);
  expect((await walk(moduleRef.get(MessageReader), 10)).map((m) => m.content)).toEqual(contents); // by id range

  await db!.collection('layout_migrations').deleteMany({});
  const fresh = await boot();
  try {
    expect(await fresh.get(LayoutMigrationJob).run()).toBe(true);
    const numbers = async () =>
      (await db!.collection('messages').find({ roomId }).sort({ _id: 1 }).toArray()).map((doc) => doc.seq);
    const expected = [
      ...Array.from({ length: 57 }, (_, i) => i - 57),
      ...Array.from({ length: 8 }, (_, i) => i + 1),
    ];
    expect(await numbers()).toEqual(expected);
    expect(await db!.collection('rooms').findOne({ _id: roomId as never })).toMatchObject({
      numbered: true,
      numberedFrom: -57,
    });
    // Again, from a half-done state: the same numbers.
    await db!.collection('messages').updateMany({ roomId, seq: { $lt: -30 } }, { $unset: { seq: '' } });
    await db!.collection('layout_migrations').deleteMany({});
    const again = await boot();
    try {
      expect(await again.get(LayoutMigrationJob).run()).toBe(true);
    } finally {
      await again.close();
    }
    expect(await numbers()).toEqual(expected);

    // A process that reads the room now: numbered, from -57, every page by key.
    const after = await boot();
    try {
      for (const limit of [1, 7, 50, 100]) {
        const all = await walk(after.get(MessageReader), limit);
        expect(all.map((m) => m.content)).toEqual(contents);
        expect(all.map((m) => m.seq)).toEqual(expected);
      }
      // The pages hold them: no range read is needed.
      expect(await db!.collection('message_pages').findOne({ _id: `${roomId}:-2` as never })).toBeTruthy();
    } finally {
      await after.close();
    }
  } finally {
    await fresh.close();
  }
});
