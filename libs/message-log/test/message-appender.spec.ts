import { jest } from '@jest/globals';
import type { TestingModule } from '@nestjs/testing';
import type { AppConfig } from '@chat/config';
import type { Connection } from 'mongoose';
import { MONGO_CONNECTION, RoomsRepository, type MessagesRepository } from '@chat/database';
import { decodeEntry } from '@chat/contracts';
import { MessageAppender, MessageReader, parseMessageRecord } from '@chat/message-log';
import { RedisKeys, createRedisClient, partitionOf, type RedisClient } from '@chat/redis';
import { uniqueName } from '../../../test/support/http.js';
import { waitUntil } from '../../../scripts/harness.mjs';
import { messageLogFixture, type MessageLogFixture } from './fixture.js';

const config = { IDEMPOTENCY_TTL_SEC: 60 } as AppConfig;
const roomId = () => uniqueName('r').padEnd(24, '0').slice(0, 24);
const draft = (room: string, clientMsgId: string, content: string) => ({
  roomId: room,
  senderId: 'u1',
  senderName: 'ann',
  content,
  clientMsgId,
});

let fixture: MessageLogFixture;
let redis: RedisClient;
let subscriber: RedisClient;
let stream: MessageAppender;
let database: TestingModule;
let messages: MessagesRepository;

beforeAll(async () => {
  fixture = await messageLogFixture();
  ({ redis, database, messages, appender: stream } = fixture);
  subscriber = createRedisClient({ REDIS_URL: process.env.REDIS_URL!, redisClusterNodes: null }, 'test-sub', {
    subscriber: true,
  });
  // The clients do not queue commands while connecting: every test starts on ready clients.
  await waitUntil(() => subscriber.status === 'ready', { what: 'Redis' });
});

afterAll(async () => {
  await Promise.all([subscriber.quit(), fixture?.close()]);
});

describe('append', () => {
  it('sends the appends of one turn together, at most 256 a call, each with its own result in order', async () => {
    const rooms = [roomId(), roomId(), roomId()];
    const published = new Map<string, string[]>();
    subscriber.on('smessage', (channel: string, record: string) =>
      published.set(channel, [...(published.get(channel) ?? []), parseMessageRecord(record).id]),
    );
    await Promise.all(rooms.map((room) => subscriber.ssubscribe(RedisKeys.roomChannel(room))));
    await Promise.all(rooms.map((room) => stream.seedCounter(room)));
    const calls = jest.spyOn(redis as RedisClient & { chatAppend: () => unknown }, 'chatAppend');

    // 300 sends in one turn, one of them a retry of an earlier one in the same turn.
    const drafts = Array.from({ length: 299 }, (_, i) => draft(rooms[i % 3]!, `c${i}`, `m${i}`));
    drafts.splice(150, 0, draft(rooms[0]!, 'c0', 'retry of m0'));
    const results = await Promise.all(drafts.map((d) => stream.append(d)));
    // (ioredis' auto-pipeline calls the same function again on its pipeline: count ours only.)
    const scriptCalls = calls.mock.contexts.filter((context) => context === redis).length;
    calls.mockRestore();

    expect(scriptCalls).toBe(2);
    expect(results[150]).toEqual({ id: results[0]!.id, draft: { ...drafts[0], seq: 1 }, duplicate: true });
    const stored = results.filter((r) => !r.duplicate);
    expect(stored).toHaveLength(299);
    for (const [i, room] of rooms.entries()) {
      const ids = stored.filter((r) => r.draft.roomId === room).map((r) => r.id);
      // Stream order is call order, and every stored message was published once, in that order.
      const entries = (await redis.xrange(RedisKeys.roomStream(room), '-', '+')).map(([id]) => id);
      expect(entries).toEqual(ids);
      expect(stored.filter((r) => r.draft.roomId === room).map((r) => r.draft.content)).toEqual(
        drafts.filter((d, n) => d.roomId === room && n !== 150).map((d) => d.content),
      );
      await waitUntil(() => (published.get(RedisKeys.roomChannel(room))?.length ?? 0) >= ids.length, {
        what: 'every publication',
        timeoutMs: 1000,
        intervalMs: 20,
      }).catch(() => {}); // the expectation below shows what arrived
      expect(published.get(RedisKeys.roomChannel(room))).toEqual(ids);
      expect(await redis.sismember(RedisKeys.dirtyRoomsOf(room), room)).toBe(1);
      expect(ids.length).toBe(i === 0 ? 100 : i === 1 ? 100 : 99);
    }
  });

  it('a later retry gets the original back, and nothing is added', async () => {
    const room = roomId();
    const first = await stream.append(draft(room, 'same', 'hello'));
    const again = await stream.append(draft(room, 'same', 'hello again'));
    expect(again).toEqual({ id: first.id, draft: first.draft, duplicate: true });
    expect(await redis.xlen(RedisKeys.roomStream(room))).toBe(1);
  });

  it('keeps one clientMsgId sent to two rooms of one partition as two messages', async () => {
    const first = roomId();
    let second = roomId();
    while (partitionOf(second) !== partitionOf(first)) second = roomId();
    const a = await stream.append(draft(first, 'shared-id', 'to the first room'));
    const b = await stream.append(draft(second, 'shared-id', 'to the second room'));
    expect(a.duplicate).toBe(false);
    expect(b).toMatchObject({ duplicate: false, draft: { roomId: second, content: 'to the second room' } });
    expect(await redis.xlen(RedisKeys.roomStream(first))).toBe(1);
    expect(await redis.xlen(RedisKeys.roomStream(second))).toBe(1);
    // Each room's retry still finds its own original.
    expect(await stream.append(draft(second, 'shared-id', 'retry'))).toEqual({ ...b, duplicate: true });
  });

  it("honours a record of the key without the room (before the upgrade) only for that record's room", async () => {
    const room = roomId();
    let other = roomId();
    while (partitionOf(other) !== partitionOf(room)) other = roomId();
    const old = draft(room, 'sent-before-upgrade', 'old');
    await redis.set(
      RedisKeys.legacyIdempotency(room, old.senderId, old.clientMsgId),
      `1-1\n${JSON.stringify(old)}`,
    );
    await redis.set(RedisKeys.legacyIdempotency(room, old.senderId, 'not-a-record'), 'garbage');

    expect(await stream.append(draft(room, 'sent-before-upgrade', 'resent'))).toEqual({
      id: '1-1',
      draft: old,
      duplicate: true,
    });
    expect((await stream.append(draft(other, 'sent-before-upgrade', 'other room'))).duplicate).toBe(false);
    expect((await stream.append(draft(room, 'not-a-record', 'x'))).duplicate).toBe(false);
    expect(await redis.xlen(RedisKeys.roomStream(room))).toBe(1);
  });

  it('numbers the messages of a room 1, 2, 3 in stream order, and a retry gets its number back', async () => {
    const room = roomId();
    const results = await Promise.all([0, 1, 2].map((i) => stream.append(draft(room, `n${i}`, `m${i}`))));
    expect(results.map((r) => r.draft.seq)).toEqual([1, 2, 3]);
    const entries = await redis.xrange(RedisKeys.roomStream(room), '-', '+');
    expect(entries.map(([id]) => id)).toEqual(results.map((r) => r.id));
    expect(entries.map(([, fields]) => JSON.parse(fields[1]!).seq)).toEqual([1, 2, 3]);
    expect((await stream.append(draft(room, 'n1', 'again'))).draft.seq).toBe(2);
    expect(await redis.get(RedisKeys.roomSeq(room))).toBe('3');
  });

  it('after Redis lost a counter, goes on above what MongoDB and the stream hold, never giving a number twice', async () => {
    const room = roomId();
    const first = await stream.append(draft(room, 'l0', 'persisted'));
    await messages.insertMany([decodeEntry(first.id, ['m', JSON.stringify(first.draft)])]);
    const second = await stream.append(draft(room, 'l1', 'still in the stream'));
    expect(second.draft.seq).toBe(2);
    // The counter is gone; MongoDB's head says 1, the stream's newest entry 2.
    await redis.del(RedisKeys.roomSeq(room));
    expect((await stream.append(draft(room, 'l2', 'after the loss'))).draft.seq).toBe(3);
    // Stream and counter gone (the worker had persisted everything): MongoDB's head decides.
    await redis.del(RedisKeys.roomSeq(room), RedisKeys.roomStream(room));
    await messages.insertMany([decodeEntry(second.id, ['m', JSON.stringify(second.draft)])]);
    expect((await stream.append(draft(room, 'l3', 'after losing all'))).draft.seq).toBe(3);
  });

  it('rejects every append of a batch when Redis cannot be reached', async () => {
    const down = createRedisClient({ REDIS_URL: 'redis://127.0.0.1:1', redisClusterNodes: null }, 'down');
    down.on('error', () => undefined);
    try {
      const unreachable = new MessageAppender(down, config, messages);
      const room = roomId();
      const outcomes = await Promise.allSettled(
        [0, 1, 2].map((i) => unreachable.append(draft(room, `d${i}`, 'x'))),
      );
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect(await redis.xlen(RedisKeys.roomStream(room))).toBe(0);
    } finally {
      down.disconnect();
    }
  });
});

describe('replay (MessageReader.after)', () => {
  it('reads what follows a persisted message from its pages, oldest first, then the stream', async () => {
    const room = roomId();
    const sent = [];
    for (let i = 0; i < 130; i++) sent.push(await stream.append(draft(room, `r${i}`, `m${i}`)));
    // The worker persisted all of them and deleted the oldest 120 from the stream.
    const entries = await redis.xrange(RedisKeys.roomStream(room), '-', '+');
    await messages.insertMany(entries.map(([id, fields]) => decodeEntry(id, fields)));
    await redis.xdel(RedisKeys.roomStream(room), ...entries.slice(0, 120).map(([id]) => id));
    // Mark one page entry: the replay must show it, so it read the page, not the documents.
    const pages = database.get<Connection>(MONGO_CONNECTION).db!.collection('message_pages');
    const page1 = await pages.findOne({ _id: `${room}:1` as never });
    const field = Object.keys(page1!.m).find((key) => key.startsWith('70_'))!;
    await pages.updateOne(
      { _id: `${room}:1` as never },
      {
        $set: {
          [`m.${field}`]: JSON.stringify({ ...JSON.parse(page1!.m[field]), content: 'from its page' }),
        },
      },
    );
    const reader = new MessageReader(redis, messages, database.get(RoomsRepository));
    const contents = sent.map((r, i) => (r.draft.seq === 70 ? 'from its page' : `m${i}`));

    const all = await reader.after(room, sent[4]!.id, 500);
    expect(all.map((m) => m.content)).toEqual(contents.slice(5));
    expect(all.map((m) => m.seq)).toEqual(sent.slice(5).map((r) => r.draft.seq));
    const some = await reader.after(room, sent[59]!.id, 7);
    expect(some.map((m) => m.seq)).toEqual([61, 62, 63, 64, 65, 66, 67]);
    const edge = await reader.after(room, sent[117]!.id, 5);
    expect(edge.map((m) => m.seq)).toEqual([119, 120, 121, 122, 123]);
  });
});
