import { MongoClient } from 'mongodb';
import { createRoomWith, createUser } from '../support/http.js';
import { REDIS_DB, redisDb } from '../support/isolation.js';
import { expectExact, sendMessages, waitForDrain } from '../support/load.js';
import { phases } from '../support/phases.js';
import { chatProcesses, startAppProcess } from '../support/processes.js';
import { connect } from '../support/socket.js';

/**
 * Worker SIGKILLed again and again at random moments while two users chat: mid-batch, between
 * insertMany and XDEL, while holding leases. Nothing acked may be lost or doubled.
 */
const REDIS_URL = redisDb(REDIS_DB.workerCrash);
const WORKER_ENV = { REDIS_URL, WORKER_BATCH_SIZE: '400', WORKER_INTERVAL_MS: '10', WORKER_LEASE_MS: '300' };
const KILLS = 12;
/** startAppProcess' own limit on a start, and the kill's moment on top. */
const START_MS = 30_000;
const chat = chatProcesses({ REDIS_URL }, START_MS);
const steps = phases({
  room: 30_000,
  kills: KILLS * (START_MS + 5_000),
  sending: 120_000,
  drain: START_MS + 120_000,
  exact: 120_000,
});

it(
  'loses and doubles nothing when the worker is SIGKILLed repeatedly',
  async () => {
    const { bob, roomId, a, b } = await steps.run('room', async () => {
      const alice = await createUser(chat.api.url);
      const bob = await createUser(chat.api.url);
      const roomId = await createRoomWith(chat.api.url, alice, [bob]);
      const a = await connect(chat.socket.url, alice.accessToken);
      const b = await connect(chat.socket.url, bob.accessToken);
      chat.sockets.push(a, b);
      return { bob, roomId, a, b };
    });

    const sending = Promise.all([
      sendMessages(a, roomId, 'a', 1500, { inFlight: 10 }),
      sendMessages(b, roomId, 'b', 1500, { inFlight: 10 }),
    ]);
    let kills = 0;
    let persistedBeforeLastKill = 0;
    const mongo = await MongoClient.connect(process.env.MONGO_URL!);
    try {
      await steps.run('kills', async () => {
        for (let i = 0; i < KILLS; i++) {
          const worker = await startAppProcess('worker', WORKER_ENV);
          // The random moment is the point of the test, not a wait for something.
          await new Promise((r) => setTimeout(r, 30 + Math.random() * 400));
          await worker.stop({ signal: 'SIGKILL' });
          kills++;
        }
      });
      persistedBeforeLastKill = await mongo.db().collection('messages').countDocuments({ roomId });
    } finally {
      await mongo.close();
    }
    const [fromA, fromB] = await steps.run('sending', () => sending);
    expect(kills).toBe(KILLS);
    // The killed workers did real work: otherwise this test would prove nothing.
    expect(persistedBeforeLastKill).toBeGreaterThan(0);

    await steps.run('drain', async () => {
      const survivor = await startAppProcess('worker', WORKER_ENV);
      try {
        await waitForDrain(REDIS_URL, [roomId], steps.budgetMs.drain - START_MS);
      } finally {
        await survivor.stop();
      }
    });
    await steps.run('exact', () =>
      expectExact(chat.api.url, process.env.MONGO_URL!, bob, roomId, [...fromA.acked, ...fromB.acked]),
    );
  },
  steps.totalMs,
);
