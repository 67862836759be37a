import { Test, type TestingModule } from '@nestjs/testing';
import { Types, type Connection } from 'mongoose';
import { randomUUID } from 'node:crypto';
import { ConfigModule, loadConfig } from '@chat/config';
import {
  DatabaseModule,
  MONGO_CONNECTION,
  MessagesRepository,
  RoomsRepository,
  UsersRepository,
} from '@chat/database';
import { ObservabilityModule } from '@chat/observability';

/**
 * The bulk writes imports and the scale fixture use, against a real database: they leave the
 * same keyed layout as one registration and one join at a time (username keys, room lists), so
 * a login and a room list read them the same; a name taken already is left out; adding members
 * twice, or to a person who has a list already, adds to that list.
 */
let moduleRef: TestingModule;
let db: Connection['db'];
let users: UsersRepository;
let rooms: RoomsRepository;

beforeAll(async () => {
  moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(loadConfig()), ObservabilityModule.forApp('worker'), DatabaseModule],
  }).compile();
  await moduleRef.init();
  db = moduleRef.get<Connection>(MONGO_CONNECTION).db;
  users = moduleRef.get(UsersRepository);
  rooms = moduleRef.get(RoomsRepository);
});

afterAll(() => moduleRef?.close());

const name = (prefix: string) => `${prefix}_${randomUUID().slice(0, 8)}`;

it('creates users with their username keys, found at login like registered ones', async () => {
  const [a, b] = [name('bulk'), name('bulk')];
  const created = await users.createMany([
    { username: a, passwordHash: 'hash-a' },
    { username: b, passwordHash: 'hash-b' },
  ]);
  expect(created.map((u) => u.username)).toEqual([a, b]);
  for (const user of created) {
    expect(await db!.collection('usernames').findOne({ _id: user.username as never })).toMatchObject({
      userId: user.id,
    });
    expect(await users.findByUsername(user.username)).toEqual(user);
  }
});

it('leaves out a name taken already, and the holder keeps it', async () => {
  const holder = await users.create(name('taken'), 'first');
  const fresh = name('fresh');
  const created = await users.createMany([
    { username: holder.username, passwordHash: 'second' },
    { username: fresh, passwordHash: 'h' },
  ]);
  expect(created.map((u) => u.username)).toEqual([fresh]);
  expect((await users.findByUsername(holder.username))?.id).toBe(holder.id);
  expect(await db!.collection('users').countDocuments({ username: holder.username })).toBe(1);
});

it('puts the key back on a user written before keys existed', async () => {
  const legacy = name('legacy');
  const id = new Types.ObjectId();
  await db!
    .collection('users')
    .insertOne({ _id: id, username: legacy, passwordHash: 'h', createdAt: new Date() });
  expect(await users.createMany([{ username: legacy, passwordHash: 'other' }])).toEqual([]);
  expect(await db!.collection('usernames').findOne({ _id: legacy as never })).toMatchObject({
    userId: String(id),
  });
});

it('creates rooms without members, and adds members with their room lists', async () => {
  const [alice, bob] = [randomUUID(), randomUUID()];
  const made = await rooms.createMany([
    { name: 'bulk-1', createdBy: alice, createdAt: new Date('2026-01-01T00:00:00Z') },
    { name: 'bulk-2', createdBy: alice },
  ]);
  expect(await rooms.findById(made[0]!.id)).toEqual(made[0]);
  expect(made[0]!.createdAt).toBe('2026-01-01T00:00:00.000Z');
  expect(await rooms.isMember(made[0]!.id, alice)).toBe(false);

  await rooms.addMembers([
    { roomId: made[0]!.id, userId: alice },
    { roomId: made[1]!.id, userId: alice },
    { roomId: made[1]!.id, userId: bob },
  ]);
  expect(await rooms.isMember(made[0]!.id, alice)).toBe(true);
  expect(await rooms.isMember(made[1]!.id, bob)).toBe(true);
  expect(await rooms.isMember(made[0]!.id, bob)).toBe(false);
  expect((await rooms.listForUser(alice)).map((r) => r.id)).toEqual(made.map((r) => r.id));
  expect((await rooms.listForUser(bob)).map((r) => r.id)).toEqual([made[1]!.id]);
});

it('adds to a room list that exists, and changes nothing when added again', async () => {
  const user = randomUUID();
  const first = await rooms.create('joined-one-by-one', user);
  const [second] = await rooms.createMany([{ name: 'bulk-later', createdBy: user }]);
  await rooms.addMembers([{ roomId: second!.id, userId: user }]);
  await rooms.addMembers([{ roomId: second!.id, userId: user }]);
  expect(await db!.collection('user_rooms').findOne({ _id: user as never })).toEqual({
    _id: user,
    rooms: { [first.id]: 1, [second!.id]: 1 },
  });
  expect(await db!.collection('memberships').countDocuments({ userId: user })).toBe(2);
});

it('persists a batch that updates the pages and heads of 150 rooms at once (FerretDB: one connection per matched updateOne)', async () => {
  const messages = moduleRef.get(MessagesRepository);
  // Recent messages: the worker's retention test deletes whatever is old in the shared database.
  const now = Date.now();
  const rooms150 = Array.from({ length: 150 }, () => randomUUID());
  const batch = (seq: number) =>
    rooms150.map((roomId, r) => ({
      id: `${now + seq * 1000 + r}-0`,
      roomId,
      seq,
      senderId: 's',
      senderName: 'sam',
      content: `m${seq}`,
      clientMsgId: `c${seq}-${r}`,
      createdAt: new Date(now + seq * 1000).toISOString(),
    }));
  await messages.insertMany(batch(1));
  // The second batch finds every page and head there already: 300 matched updates in two
  // commands. FerretDB 1.24 keeps a connection open for each matched updateOne until its command
  // ends, and needs one more per statement: past 100 (its pool) the command waited forever.
  await messages.insertMany(batch(2));
  expect(await messages.highestSeq(rooms150[149]!)).toBe(2);
  expect((await messages.numberedBelow(rooms150[0]!, 3, 2)).map((m) => m.content)).toEqual(['m2', 'm1']);
});
