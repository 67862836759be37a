// Drain rate: N preloaded stream entries persisted by the worker, in docs/s, next to the raw
// driver's insertMany of the same documents into the same database (its ceiling).
//   npm run bench:drain            (BENCH_DRAIN_N=200000 by default)
// Sweeps WORKER_BATCH_SIZE:WORKER_INTERVAL_MS pairs (BENCH_DRAIN_CONFIGS), then 1 vs 3 workers.
// Targets 127.0.0.1 only; bounded by N and a 10-minute cap per run. Uses Redis database 14 and
// MongoDB database chat_bench, emptied before and after.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ROOT_DIR } from '../scripts/paths.mjs';
import { benchEnvironment, freePort, startApp, stopChild, dirtyRoomCount, redisKeys } from './support.mjs';

const { RedisKeys } = await redisKeys();

const N = Number(process.env.BENCH_DRAIN_N || 200_000);
const ROOMS = Number(process.env.BENCH_DRAIN_ROOMS || 200);
const CONFIGS = (process.env.BENCH_DRAIN_CONFIGS || '250:100,1000:100,2500:100,1000:10')
  .split(',')
  .map((pair) => {
    const [batch, interval] = pair.split(':').map(Number);
    return { batch, interval };
  });
const RUN_CAP_MS = 10 * 60_000;

const bench = await benchEnvironment();
const { redis, db, reset } = bench;

const roomId = (r) => `bench${String(r).padStart(19, '0')}`;
const draft = (room, i) =>
  JSON.stringify({
    roomId: room,
    senderId: '0'.repeat(24),
    senderName: 'bench',
    content: `message ${i} `.padEnd(100, '.'),
    clientMsgId: `c${i}`,
  });

async function preload() {
  const started = performance.now();
  const perRoom = N / ROOMS;
  for (let r = 0; r < ROOMS; r++) {
    const pipeline = redis.pipeline();
    for (let i = 0; i < perRoom; i++)
      pipeline.xadd(RedisKeys.roomStream(roomId(r)), '*', 'm', draft(roomId(r), r * perRoom + i));
    pipeline.sadd(RedisKeys.dirtyRoomsOf(roomId(r)), roomId(r));
    await pipeline.exec();
  }
  return performance.now() - started;
}

/** The database's ceiling: the raw driver inserting the same documents in the same batch size. */
async function rawInsert(batch) {
  const collection = db.collection('messages_raw');
  const docs = [];
  const t0 = Date.now();
  for (let i = 0; i < N; i++) {
    const room = roomId(i % ROOMS);
    const ms = t0 + Math.floor(i / ROOMS);
    docs.push({
      _id: `${room}:${String(ms).padStart(15, '0')}-${String(i % ROOMS).padStart(10, '0')}`,
      id: `${ms}-${i % ROOMS}`,
      roomId: room,
      senderId: '0'.repeat(24),
      senderName: 'bench',
      content: `message ${i} `.padEnd(100, '.'),
      clientMsgId: `c${i}`,
      createdAt: new Date(ms),
    });
  }
  const started = performance.now();
  for (let i = 0; i < docs.length; i += batch)
    await collection.insertMany(docs.slice(i, i + batch), { ordered: false });
  const seconds = (performance.now() - started) / 1000;
  await collection.drop();
  return Math.round(N / seconds);
}

async function startWorker(env) {
  const port = await freePort();
  const { child } = await startApp(
    'worker',
    { REDIS_URL: bench.redisUrl, MONGO_URL: bench.mongoUrl, WORKER_PORT: String(port), ...env },
    port,
  );
  return child;
}

/** Times the drain from the first persisted document to the last, so boot time is not counted. */
async function drain(config, workers = 1) {
  await reset();
  const preloadMs = await preload();
  const children = await Promise.all(
    Array.from({ length: workers }, () =>
      startWorker({
        WORKER_BATCH_SIZE: String(config.batch),
        WORKER_INTERVAL_MS: String(config.interval),
        WORKER_MAX_ROOMS_PER_BATCH: '50',
      }),
    ),
  );
  // Progress is read from Redis (stream lengths), never from the database under test, so the
  // measurement does not compete with the inserts it measures.
  const messages = db.collection('messages');
  let first = null;
  let leftAtFirst = N;
  const deadline = Date.now() + RUN_CAP_MS;
  let left = N;
  while (left > 0) {
    if (Date.now() > deadline) throw new Error(`drain did not finish in ${RUN_CAP_MS} ms (${N - left}/${N})`);
    await new Promise((r) => setTimeout(r, 50));
    const pipeline = redis.pipeline();
    for (let r = 0; r < ROOMS; r++) pipeline.xlen(RedisKeys.roomStream(roomId(r)));
    left = (await pipeline.exec()).reduce((sum, [, n]) => sum + n, 0);
    if (left < N && first === null) {
      first = performance.now();
      leftAtFirst = left;
    }
  }
  // Rate over the window between the first and the last observation: what was drained in it.
  const seconds = (performance.now() - first) / 1000;
  const drainedInWindow = leftAtFirst;
  const dirtyLeft = await dirtyRoomCount(redis);
  await Promise.all(children.map(stopChild));
  const exact = (await messages.countDocuments({})) === N;
  const result = {
    config,
    batch: config.batch,
    intervalMs: config.interval,
    workers,
    docsPerSec: Math.round(drainedInWindow / seconds),
    seconds: +seconds.toFixed(1),
    exact,
    dirtyRoomsLeft: dirtyLeft,
    preloadMs: Math.round(preloadMs),
  };
  console.log(result);
  return result;
}

const results = { when: new Date().toISOString(), database: bench.database, N, ROOMS, raw: {}, runs: [] };
try {
  for (const batch of [...new Set(CONFIGS.map((c) => c.batch))]) {
    await reset();
    results.raw[batch] = await rawInsert(batch);
    console.log(`[bench] raw insertMany, batch ${batch}: ${results.raw[batch]} docs/s`);
  }
  for (const config of CONFIGS) results.runs.push(await drain(config));
  const best = results.runs.reduce((a, b) => (b.docsPerSec > a.docsPerSec ? b : a));
  results.runs.push(await drain(best.config, 3));
  for (const run of results.runs) {
    run.ratioToRaw = +(run.docsPerSec / results.raw[run.batch]).toFixed(2);
    delete run.config;
  }
  console.table(results.runs);
  console.table(
    Object.entries(results.raw).map(([batch, docsPerSec]) => ({
      batch: Number(batch),
      rawInsertManyDocsPerSec: docsPerSec,
    })),
  );
  mkdirSync(join(ROOT_DIR, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT_DIR, 'bench', 'results', 'drain.json'), JSON.stringify(results, null, 2));
} finally {
  await bench.close();
}
