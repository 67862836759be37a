import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { MessagesRepository } from '@chat/database';
import { DrainQueue, MessageAppender, MessageReader } from '@chat/message-log';
import { RedisKeys } from '@chat/redis';
import { BacklogMetricsJob } from '../src/backlog/backlog-metrics.job.js';
import { DrainStreamJob } from '../src/drain/drain-stream.job.js';
import { RetentionJob } from '../src/retention/retention.job.js';
import { startWorker } from '../src/start-worker.js';
import { uniqueName } from '../../../test/support/http.js';
import { waitUntil } from '../../../scripts/harness.mjs';

let app: INestApplication;
let job: DrainStreamJob;
let stream: MessageAppender;
let queue: DrainQueue;
let messages: MessagesRepository;
let redis: Redis;

const roomId = () => uniqueName('r').padEnd(24, '0').slice(0, 24);

async function append(room: string, n: number, prefix = 'm'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const { id } = await stream.append({
      roomId: room,
      senderId: 's',
      senderName: 'sam',
      content: `${prefix}${i}`,
      clientMsgId: uniqueName(),
    });
    ids.push(id);
  }
  return ids;
}

/** Drains to empty without the scheduler, so the test controls every step. */
async function drainAll(): Promise<void> {
  for (let i = 0; i < 1000; i++) if ((await job.drainOnce()).read === 0) return;
}

beforeAll(async () => {
  process.env.WORKER_INTERVAL_MS = '3600000'; // the test drives the job itself
  process.env.WORKER_BATCH_SIZE = '50';
  process.env.RETENTION_MESSAGE_DAYS = '30';
  process.env.RETENTION_BATCH_SIZE = '7';
  process.env.DEAD_LETTER_MAX = '300';
  app = await startWorker();
  job = app.get(DrainStreamJob);
  stream = app.get(MessageAppender);
  queue = app.get(DrainQueue);
  messages = app.get(MessagesRepository);
  redis = new Redis(process.env.REDIS_URL!);
});

afterAll(async () => {
  await redis.quit();
  await app.close();
});

describe('drain job', () => {
  it('moves every entry of every room into MongoDB once and empties the streams', async () => {
    const rooms = [roomId(), roomId(), roomId()];
    const counts = [120, 7, 1];
    for (const [i, room] of rooms.entries()) await append(room, counts[i]);
    await drainAll();
    for (const [i, room] of rooms.entries()) {
      expect(await messages.countInRoom(room)).toBe(counts[i]);
      expect(await redis.xlen(RedisKeys.roomStream(room))).toBe(0);
      expect(await redis.sismember(RedisKeys.dirtyRoomsOf(room), room)).toBe(0);
      const page = await messages.page(room, 200);
      expect(page.map((m) => m.content)).toEqual(
        Array.from({ length: counts[i] }, (_, k) => `m${counts[i] - 1 - k}`),
      );
    }
  });

  it('creates no second document when an entry is inserted again (crash between insert and XDEL)', async () => {
    const room = roomId();
    await append(room, 30);
    const [[, entries]] = [...(await queue.readOldest([room], 100))];
    // Simulate a worker that inserted, then died before XDEL: the entries are still in the stream.
    const { decodeEntry } = await import('@chat/contracts');
    expect(
      (await messages.insertMany(entries.slice(0, 20).map(([id, f]) => decodeEntry(id, f)))).inserted,
    ).toBe(20);
    await drainAll();
    expect(await messages.countInRoom(room)).toBe(30);
    expect(await redis.xlen(RedisKeys.roomStream(room))).toBe(0);
  });

  it('dead-letters undecodable entries with the reason and keeps draining the rest', async () => {
    const room = roomId();
    await append(room, 2, 'a');
    const poisonId = await redis.xadd(RedisKeys.roomStream(room), '*', 'm', '{broken');
    await append(room, 2, 'b');
    const before = await redis.xlen(RedisKeys.deadLetters);
    await drainAll();
    expect((await messages.page(room, 10)).map((m) => m.content)).toEqual(['b1', 'b0', 'a1', 'a0']);
    expect(await redis.xlen(RedisKeys.roomStream(room))).toBe(0);
    expect(await redis.xlen(RedisKeys.deadLetters)).toBe(before + 1);
    const [[, fields]] = await redis.xrevrange(RedisKeys.deadLetters, '+', '-', 'COUNT', 1);
    expect(fields).toEqual([
      'room',
      room,
      'id',
      poisonId,
      'reason',
      expect.stringContaining('not JSON'),
      'fields',
      expect.any(String),
    ]);
  });

  it('dead-letters an entry once however often its batch fails, and caps the dead-letter stream', async () => {
    const room = roomId();
    await append(room, 1, 'a');
    const poisonId = await redis.xadd(RedisKeys.roomStream(room), '*', 'm', '{broken');
    const before = await redis.xlen(RedisKeys.deadLetters);
    const insertMany = jest.spyOn(messages, 'insertMany').mockRejectedValue(new Error('mongo down'));
    for (let retry = 0; retry < 3; retry++) await expect(job.drainOnce()).rejects.toThrow('mongo down');
    insertMany.mockRestore();
    await drainAll();
    expect(await redis.xlen(RedisKeys.deadLetters)).toBe(before + 1);
    const entries = await redis.xrevrange(RedisKeys.deadLetters, '+', '-', 'COUNT', 1);
    expect(entries[0]![1]).toContain(poisonId);

    // A flood of poison is capped near DEAD_LETTER_MAX (trimming is approximate: whole nodes).
    const flood = roomId();
    for (let i = 0; i < 400; i++) await redis.xadd(RedisKeys.roomStream(flood), '*', 'm', `{broken ${i}`);
    await drainAll();
    expect(await redis.xlen(RedisKeys.deadLetters)).toBeLessThan(300 + 100);
  });

  it('leaves the entries in the stream when MongoDB refuses the batch', async () => {
    const room = roomId();
    await append(room, 5);
    const insertMany = jest
      .spyOn(messages, 'insertMany')
      .mockRejectedValueOnce(new Error('connection reset'));
    await expect(job.drainOnce()).rejects.toThrow('connection reset');
    insertMany.mockRestore();
    expect(await redis.xlen(RedisKeys.roomStream(room))).toBe(5);
    expect(await messages.countInRoom(room)).toBe(0);
    await drainAll();
    expect(await messages.countInRoom(room)).toBe(5);
  });

  it('keeps a room dirty when a message arrives while it is being drained', async () => {
    const room = roomId();
    await append(room, 3);
    const realRead = queue.readOldest.bind(queue);
    const spy = jest.spyOn(queue, 'readOldest').mockImplementationOnce(async (rooms, count) => {
      const result = await realRead(rooms, count);
      await append(room, 1, 'late'); // lands after the XRANGE, before the clean-up
      return result;
    });
    await job.drainOnce();
    spy.mockRestore();
    expect(await redis.sismember(RedisKeys.dirtyRoomsOf(room), room)).toBe(1);
    await drainAll();
    expect(await messages.countInRoom(room)).toBe(4);
  });
});

describe('scheduler', () => {
  it('never overlaps itself', async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    // Each drain runs until the test lets it finish.
    const finish: Array<() => void> = [];
    const spy = jest.spyOn(job, 'drainAvailable').mockImplementation(async () => {
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await new Promise<void>((r) => finish.push(r));
      concurrent--;
    });
    for (let i = 0; i < 10; i++) job.tick();
    finish.shift()!();
    await waitUntil(() => concurrent === 0, { what: 'the first drain to end' });
    // Ticks after the end start the next one.
    await waitUntil(
      () => {
        job.tick();
        return spy.mock.calls.length === 2;
      },
      { what: 'a tick to start the second drain' },
    );
    finish.shift()!();
    await waitUntil(() => concurrent === 0, { what: 'the second drain to end' });
    const calls = spy.mock.calls.length;
    spy.mockRestore();
    expect(maxConcurrent).toBe(1);
    expect(calls).toBe(2);
  });
});

describe('retention', () => {
  it('deletes exactly the messages past the retention age, in batches, idempotently, also from history pages', async () => {
    const room = roomId();
    const day = 86_400_000;
    const now = Date.now();
    const ages = [40, 35, 31, 31, 31, 31, 31, 31, 31, 31, 29, 1, 0]; // days; 10 are past 30 days
    await messages.insertMany(
      ages.map((age, i) => ({
        id: `${now - age * day}-${i}`,
        roomId: room,
        seq: i + 1,
        senderId: 's',
        senderName: 'sam',
        content: `age ${age}`,
        clientMsgId: `old-${i}`,
        createdAt: new Date(now - age * day).toISOString(),
      })),
    );
    // Read once before: the reader keeps these pages in memory, and must stop using them.
    const reader = app.get(MessageReader);
    expect((await reader.page(room, 50)).items).toHaveLength(ages.length);
    const retention = app.get(RetentionJob);
    expect(await retention.run(new Date(now))).toBe(10);
    expect((await messages.page(room, 50)).map((m) => m.content)).toEqual(['age 0', 'age 1', 'age 29']);
    // History reads numbered messages from their pages: they are gone from there too.
    const history = await reader.page(room, 50);
    expect(history.items.map((m) => m.content)).toEqual(['age 0', 'age 1', 'age 29']);
    expect(await retention.run(new Date(now))).toBe(0);
  });
});

describe('backlog metrics', () => {
  it('reports the unpersisted messages and the age of the oldest', async () => {
    const room = roomId();
    await append(room, 4);
    const backlog = await app.get(BacklogMetricsJob).refresh();
    expect(backlog!.messages).toBeGreaterThanOrEqual(4);
    expect(Date.now() - backlog!.oldestMs!).toBeLessThan(60_000);
    const metrics = await fetch(
      `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}/metrics`,
    ).then((r) => r.text());
    expect(metrics).toMatch(/chat_stream_backlog_messages\{app="worker"\} [1-9]/);
    expect(metrics).toContain('chat_stream_oldest_unpersisted_age_seconds');
    await drainAll();
    // Other test files append to this Redis database too, so only this room's part is certain.
    expect(await redis.xlen(RedisKeys.roomStream(room))).toBe(0);
  });
});
