import { writeFileSync } from 'node:fs';
import { RedisKeys } from '@chat/redis';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Message } from '@chat/contracts';
import { PrivateFerretDb } from '../support/ferretdb.js';
import { http } from '../support/http.js';
import { REDIS_DB, redisDb } from '../support/isolation.js';
import { expectExact, sendMessages, waitForDrain } from '../support/load.js';
import { phases } from '../support/phases.js';
import { startAppProcesses, type AppProcess } from '../support/processes.js';
import { freePort } from '../../scripts/harness.mjs';
import { userInNewRoom, type ClientSocket } from '../support/socket.js';

/**
 * The database stopped for OUTAGE_SECONDS (30 by default) while clients keep sending: sends still
 * ack (Redis holds the backlog), history still answers from the stream, and when the database
 * returns the backlog drains with nothing lost.
 */
const OUTAGE_MS = Number(process.env.OUTAGE_SECONDS ?? 30) * 1000;
/** The drain's target, from the restart (FerretDB's own start-up included) to the last entry. */
const DRAIN_TARGET_MS = 60_000;
const REDIS_URL = redisDb(REDIS_DB.mongoOutage);
// Building FerretDB happens only where the global setup found a database without building it.
const boot = phases({ ferretdb: 180_000, apps: 30_000 });
const steps = phases({
  room: 30_000,
  before: 60_000,
  // The last batch may start just before the outage's end.
  outage: OUTAGE_MS + 60_000,
  restart: 30_000,
  drain: 2 * DRAIN_TARGET_MS,
  // Reads back ~5,000 messages a page at a time: 30 s on a quiet machine.
  exact: 180_000,
});

let mongo: PrivateFerretDb;
let api: AppProcess, socket: AppProcess, worker: AppProcess;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  const port = await freePort();
  await boot.run('ferretdb', async () => {
    mongo = new PrivateFerretDb(port);
    await mongo.start();
  });
  const env = { REDIS_URL, MONGO_URL: mongo.url(), WORKER_INTERVAL_MS: '50' };
  [api, socket, worker] = await boot.run('apps', () => startAppProcesses(['api', 'socket', 'worker'], env));
}, boot.totalMs);

afterAll(async () => {
  for (const s of sockets) s.close();
  await Promise.all([api, socket, worker].map((p) => p?.stop()));
  await mongo?.stop();
});

it(
  `keeps acking through a ${OUTAGE_MS / 1000} s database outage and drains the backlog after`,
  async () => {
    const { alice, roomId, a } = await steps.run('room', async () => {
      const { user: alice, roomId, socket: a } = await userInNewRoom(api.url, socket.url);
      sockets.push(a);
      return { alice, roomId, a };
    });
    const acked: Message[] = [];

    await steps.run('before', async () => {
      acked.push(...(await sendMessages(a, roomId, 'before', 200, { inFlight: 5 })).acked);
      await waitForDrain(REDIS_URL, [roomId], steps.budgetMs.before);
    });

    await mongo.stop();
    const outageStarted = Date.now();
    let historyChecks = 0;
    await steps.run('outage', async () => {
      let batch = 0;
      while (Date.now() - outageStarted < OUTAGE_MS) {
        const { acked: sent, failures } = await sendMessages(a, roomId, `during${batch++}`, 100, {
          inFlight: 5,
        });
        expect(failures).toEqual({});
        acked.push(...sent);
        // The newest page is answered from the stream alone.
        const page = await http(api.url, 'GET', `/rooms/${roomId}/messages?limit=50`, {
          token: alice.accessToken,
        });
        expect(page.status).toBe(200);
        expect(page.body.items[0].id).toBe(sent.at(-1)!.id);
        historyChecks++;
        // Pacing, not a wait: about 200 messages a second for the length of the outage.
        await new Promise((r) => setTimeout(r, 500));
      }
    });
    const redis = new Redis(REDIS_URL);
    const backlog = await redis.xlen(RedisKeys.roomStream(roomId));
    await redis.quit();
    expect(backlog).toBe(acked.length - 200);
    expect(historyChecks).toBeGreaterThan(5);

    const restarted = Date.now();
    await steps.run('restart', () => mongo.start(steps.budgetMs.restart));
    await steps.run('drain', () => waitForDrain(REDIS_URL, [roomId], steps.budgetMs.drain));
    const drainMs = Date.now() - restarted;
    const report = {
      outageMs: restarted - outageStarted,
      backlog,
      drainMs,
      docsPerSec: Math.round(backlog / (drainMs / 1000)),
    };
    writeFileSync(join(process.env.DATA_DIR!, 'mongo-outage.json'), JSON.stringify(report));
    process.stdout.write(`\n[mongo-outage] ${JSON.stringify(report)}\n`);
    expect(drainMs).toBeLessThan(DRAIN_TARGET_MS);

    await steps.run('exact', () => expectExact(api.url, mongo.url(), alice, roomId, acked));
  },
  steps.totalMs,
);
