import { Redis } from 'ioredis';
import type { Message } from '@chat/contracts';
import { createRoom, createUser, type TestUser } from '../support/http.js';
import { REDIS_DB, redisDb } from '../support/isolation.js';
import { expectExact, sendMessages, waitForDrain } from '../support/load.js';
import { phases } from '../support/phases.js';
import { chatProcesses, startAppProcess } from '../support/processes.js';
import { connect } from '../support/socket.js';
import { RedisKeys, STREAM_PARTITIONS } from '@chat/redis';

/**
 * Three worker processes drain the same rooms at once; one is SIGKILLed while holding leases.
 * Nothing is doubled, nothing stalls (its leases expire), and every room ends exact.
 */
const REDIS_URL = redisDb(REDIS_DB.workers);
const ROOMS = 12;
const PER_ROOM = 250;
const chat = chatProcesses({ REDIS_URL });
const steps = phases({
  rooms: 30_000,
  workers: 30_000,
  lease: 30_000,
  sending: 120_000,
  drain: 60_000,
  exact: 120_000,
});

/** The three workers (stopped after the test with the apps). */
const workers = chat.others;

it(
  'shares the rooms between three workers without duplicates or stalls',
  async () => {
    const { user, client, rooms } = await steps.run('rooms', async () => {
      const user: TestUser = await createUser(chat.api.url);
      const client = await connect(chat.socket.url, user.accessToken);
      chat.sockets.push(client);
      const rooms: string[] = [];
      for (let i = 0; i < ROOMS; i++) rooms.push(await createRoom(chat.api.url, user));
      return { user, client, rooms };
    });
    // Workers first, then traffic: they drain while messages arrive, as in production.
    const env = {
      REDIS_URL,
      WORKER_BATCH_SIZE: '100',
      WORKER_MAX_ROOMS_PER_BATCH: '3',
      WORKER_INTERVAL_MS: '10',
      WORKER_LEASE_MS: '1000',
    };
    await steps.run('workers', async () => {
      workers.push(...(await Promise.all([0, 1, 2].map(() => startAppProcess('worker', env)))));
    });
    const acked = new Map<string, Message[]>();
    const sending = Promise.all(
      rooms.map(async (roomId, i) =>
        acked.set(roomId, (await sendMessages(client, roomId, `r${i}`, PER_ROOM, { inFlight: 2 })).acked),
      ),
    );

    const redis = new Redis(REDIS_URL);
    try {
      // A worker's lease value is `host:pid:id`: kill the first one the moment it holds one.
      const victim = `:${workers[0].child.pid}:`;
      const leases = rooms.map((roomId) => RedisKeys.drainLease(roomId));
      await steps.run('lease', (phase) =>
        phase.waitFor(
          'the first worker to hold a lease',
          async () => (await redis.mget(leases)).some((owner) => owner?.includes(victim)),
          5,
        ),
      );
      workers[0].child.kill('SIGKILL');
      await steps.run('sending', () => sending);
      await steps.run('drain', () => waitForDrain(REDIS_URL, rooms, steps.budgetMs.drain));

      const dirty = await Promise.all(
        Array.from({ length: STREAM_PARTITIONS }, (_, p) => redis.scard(RedisKeys.dirtyRooms(p))),
      );
      expect(dirty.reduce((a, b) => a + b, 0)).toBe(0);
    } finally {
      await redis.quit();
    }
    // The two survivors both did part of the work.
    const persisted = await Promise.all(
      workers
        .slice(1)
        .map(async (w) =>
          Number(
            /chat_worker_persisted_total\{app="worker"\} (\d+)/.exec(
              await fetch(`${w.url}/metrics`).then((r) => r.text()),
            )?.[1] ?? 0,
          ),
        ),
    );
    expect(persisted.every((n) => n > 0)).toBe(true);
    await steps.run('exact', async () => {
      for (const roomId of rooms)
        await expectExact(chat.api.url, process.env.MONGO_URL!, user, roomId, acked.get(roomId)!);
    });
  },
  steps.totalMs,
);
