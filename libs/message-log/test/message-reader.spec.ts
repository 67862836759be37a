import type { TestingModule } from '@nestjs/testing';
import type { Connection } from 'mongoose';
import { decodeEntry, type Message } from '@chat/contracts';
import { MONGO_CONNECTION, RoomsRepository, type MessagesRepository } from '@chat/database';
import { MessageReader, PageVersions, type MessageAppender } from '@chat/message-log';
import { RedisKeys, type RedisClient } from '@chat/redis';
import { uniqueName } from '../../../test/support/http.js';
import { messageLogFixture, type MessageLogFixture } from './fixture.js';

/**
 * MessageReader against real Redis and MongoDB: what it reads while the worker moves messages,
 * and the pages it keeps in memory (PageCache) against the changes PageVersions announces.
 */
const roomId = () => uniqueName('r').padEnd(24, '0').slice(0, 24);

let fixture: MessageLogFixture;
let redis: RedisClient;
let database: TestingModule;
let messages: MessagesRepository;
let appender: MessageAppender;
let reader: MessageReader;

beforeAll(async () => {
  fixture = await messageLogFixture();
  ({ redis, database, messages, appender } = fixture);
  reader = new MessageReader(redis, messages, database.get(RoomsRepository));
});

afterAll(() => fixture?.close());

async function send(room: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { id } = await appender.append({
      roomId: room,
      senderId: 'u1',
      senderName: 'ann',
      content: `m${i}`,
      clientMsgId: uniqueName('c'),
    });
    ids.push(id);
  }
  return ids;
}

/** The worker's step for one room: persist the oldest `count` entries, then XDEL them. */
async function drainOldest(room: string, count: number): Promise<number> {
  const entries = await redis.xrange(RedisKeys.roomStream(room), '-', '+', 'COUNT', count);
  if (!entries.length) return 0;
  await messages.insertMany(entries.map(([id, fields]) => decodeEntry(id, fields)));
  await redis.xdel(RedisKeys.roomStream(room), ...entries.map(([id]) => id));
  return entries.length;
}

async function history(room: string, limit: number): Promise<Message[]> {
  const all: Message[] = [];
  let before: string | undefined;
  do {
    const page = await reader.page(room, limit, before);
    all.push(...page.items);
    before = page.nextBefore ?? undefined;
  } while (before);
  return all.reverse();
}

it('pages and replays exactly while the worker moves messages in small batches', async () => {
  const room = roomId();
  const ids = await send(room, 240);
  await drainOldest(room, 40);
  let draining = true;
  const worker = (async () => {
    while (await drainOldest(room, 7)) await new Promise((r) => setImmediate(r));
    draining = false;
  })();
  let reads = 0;
  do {
    const limit = [50, 13, 100][reads % 3]!;
    expect((await history(room, limit)).map((m) => m.id)).toEqual(ids);
    const from = (reads * 37) % 200;
    expect((await reader.after(room, ids[from]!, 500)).map((m) => m.id)).toEqual(ids.slice(from + 1));
    reads++;
  } while (draining);
  await worker;
  expect((await history(room, 50)).map((m) => m.seq)).toEqual(ids.map((_, i) => i + 1));
  expect(reads).toBeGreaterThan(1);
});

it('keeps the pages it read until the room’s page version changes', async () => {
  const room = roomId();
  await send(room, 80);
  await drainOldest(room, 80);
  const newest = async () => (await reader.page(room, 50)).items.map((m) => m.content);
  const before = await newest();
  expect(before[0]).toBe('m79');
  // A change of a page in MongoDB (as retention makes): kept pages hide it until it is announced.
  const pages = database.get<Connection>(MONGO_CONNECTION).db!.collection('message_pages');
  const doc = await pages.findOne({ _id: `${room}:1` as never });
  const field = Object.keys(doc!.m).find((key) => key.startsWith('80_'))!;
  await pages.updateOne({ _id: `${room}:1` as never }, { $unset: { [`m.${field}`]: '' } });
  expect(await newest()).toEqual(before);
  await new PageVersions(redis).changed([room]);
  expect((await newest())[0]).toBe('m78');
});

it('sets a missing counter again from what MongoDB holds, so later pages need no MongoDB for it', async () => {
  const room = roomId();
  const ids = await send(room, 30);
  await drainOldest(room, 30);
  await redis.del(RedisKeys.roomSeq(room)); // as after a Redis restart without persistence
  expect((await history(room, 50)).map((m) => m.id)).toEqual(ids);
  expect(await redis.get(RedisKeys.roomSeq(room))).toBe('30');
  const [next] = await send(room, 1);
  const newest = await reader.page(room, 2);
  expect(newest.items.map((m) => [m.id, m.seq])).toEqual([
    [next, 31],
    [ids[29], 30],
  ]);
});
