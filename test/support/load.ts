import { MongoClient } from 'mongodb';
import { RedisKeys } from '@chat/redis';
import { Redis } from 'ioredis';
import type { Ack, Message } from '@chat/contracts';
import { waitUntil } from '../../scripts/harness.mjs';
import { fullHistory, type TestUser } from './http.js';
import type { ClientSocket } from './socket.js';

export interface SendStats {
  acked: Message[];
  /** Failed acks by error code; every failed send was retried until it was acked. */
  failures: Record<string, number>;
}

/** How many sends have been acked so far (`acked` is filled by index, out of order). */
export const ackedCount = (stats: SendStats): number => stats.acked.filter(Boolean).length;

/**
 * Sends `count` messages with `inFlight` concurrent sends, the way a careful client does: a
 * failed send is retried with the SAME clientMsgId until it is acked, so an ack that was lost in
 * an outage cannot create a second message. A test that waits for progress while this runs
 * passes its own `stats` and watches them fill.
 */
export async function sendMessages(
  socket: ClientSocket,
  roomId: string,
  tag: string,
  count: number,
  options: { inFlight?: number; pauseMs?: number; retryPauseMs?: number; stats?: SendStats } = {},
): Promise<SendStats> {
  const { inFlight = 10, pauseMs = 0, retryPauseMs = 200 } = options;
  const stats: SendStats = options.stats ?? { acked: new Array(count), failures: {} };
  let next = 0;
  async function lane(): Promise<void> {
    while (next < count) {
      const i = next++;
      for (;;) {
        let ack: Ack<{ message: Message }>;
        try {
          ack = await socket
            .timeout(10_000)
            .emitWithAck('chat:send', { roomId, clientMsgId: `${tag}-${i}`, content: `${tag} ${i}` });
        } catch {
          ack = { ok: false, error: { code: 'TIMEOUT' as never, message: 'no ack' } };
        }
        if (ack.ok) {
          stats.acked[i] = ack.message;
          break;
        }
        stats.failures[ack.error.code] = (stats.failures[ack.error.code] ?? 0) + 1;
        await new Promise((r) => setTimeout(r, retryPauseMs));
      }
      if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane));
  return stats;
}

/** Waits until the worker has emptied the rooms' streams; resolves with how long that took. */
export async function waitForDrain(
  redisUrl: string,
  roomIds: string[],
  timeoutMs = 120_000,
): Promise<number> {
  const redis = new Redis(redisUrl);
  const started = Date.now();
  let left = 0;
  try {
    await waitUntil(
      async () => {
        left = 0;
        for (const roomId of roomIds) left += await redis.xlen(RedisKeys.roomStream(roomId));
        return left === 0;
      },
      { what: 'the worker to persist every entry', timeoutMs },
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${left} entries still not persisted after ${timeoutMs} ms`);
    });
    return Date.now() - started;
  } finally {
    await redis.quit();
  }
}

/**
 * The invariant of the whole design: every acked message is persisted exactly once and history
 * shows exactly the acked messages, in order, once each.
 */
export async function expectExact(
  api: string,
  mongoUrl: string,
  viewer: TestUser,
  roomId: string,
  acked: Message[],
): Promise<void> {
  const ackedIds = acked.map((m) => m.id);
  expect(new Set(ackedIds).size).toBe(acked.length);
  const mongo = await MongoClient.connect(mongoUrl);
  try {
    const docs = await mongo
      .db()
      .collection('messages')
      .find({ roomId }, { projection: { id: 1, senderId: 1, clientMsgId: 1 } })
      .toArray();
    expect(docs.length).toBe(acked.length);
    expect(new Set(docs.map((d) => `${d.senderId}/${d.clientMsgId}`)).size).toBe(acked.length);
    expect(docs.map((d) => d.id).sort()).toEqual([...ackedIds].sort());
  } finally {
    await mongo.close();
  }
  const history = await fullHistory(api, viewer, roomId, 100);
  expect(history.map((m) => m.id).sort()).toEqual([...ackedIds].sort());
  expect(history.length).toBe(acked.length);
}
