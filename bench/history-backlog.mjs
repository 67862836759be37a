// History page latency with and without a 100,000-entry backlog of OTHER rooms' messages in Redis.
//   npm run bench:history            (builds first; starts Redis/MongoDB if needed)
// Targets 127.0.0.1 only; bounded: REQUESTS per phase at CONCURRENCY, then it stops.
// Uses its own Redis database (14) and MongoDB database (chat_bench), emptied before and after.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ROOT_DIR } from '../scripts/paths.mjs';
import {
  benchEnvironment,
  benchUser,
  freePort,
  post,
  startApp,
  stopChild,
  dirtyRoomCount,
  redisKeys,
} from './support.mjs';

const { RedisKeys } = await redisKeys();

const REQUESTS = Number(process.env.BENCH_REQUESTS || 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY || 10);
const BACKLOG = Number(process.env.BENCH_BACKLOG || 100_000);
const BACKLOG_ROOMS = 1000;
const PAGE = 50;

const bench = await benchEnvironment();
const { redis, db } = bench;

async function start(name, portVar) {
  const port = await freePort();
  return startApp(
    name,
    {
      REDIS_URL: bench.redisUrl,
      MONGO_URL: bench.mongoUrl,
      [portVar]: String(port),
      WORKER_INTERVAL_MS: '20',
    },
    port,
  );
}

function draft(roomId, i) {
  return JSON.stringify({
    roomId,
    senderId: '0'.repeat(24),
    senderName: 'bench',
    content: `message ${i} `.padEnd(80, '.'),
    clientMsgId: `b${i}`,
  });
}

async function fill(roomId, n, offset = 0) {
  const pipeline = redis.pipeline();
  for (let i = 0; i < n; i++)
    pipeline.xadd(RedisKeys.roomStream(roomId), '*', 'm', draft(roomId, offset + i));
  pipeline.sadd(RedisKeys.dirtyRoomsOf(roomId), roomId);
  await pipeline.exec();
}

/** The database's own ceiling: the raw driver's find of the same page, same concurrency. */
async function measureRawPage(roomId, label) {
  const collection = db.collection('messages');
  return timeLoop(label, async () => {
    const docs = await collection
      .find({ _id: { $gt: `${roomId}:`, $lt: `${roomId};` } })
      .sort({ _id: -1 })
      .limit(PAGE + 1)
      .toArray();
    return docs.length === PAGE + 1;
  });
}

async function measure(url, token, roomId, label) {
  return timeLoop(label, async () => {
    const res = await fetch(`${url}/rooms/${roomId}/messages?limit=${PAGE}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = await res.json();
    return res.status === 200 && body.items.length === PAGE;
  });
}

async function timeLoop(label, once) {
  const latencies = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        next++;
        const t = performance.now();
        const ok = await once();
        latencies.push(performance.now() - t);
        if (!ok) errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  const result = {
    label,
    requests: latencies.length,
    errors,
    reqPerSec: +(latencies.length / seconds).toFixed(0),
    p50: +q(0.5).toFixed(2),
    p99: +q(0.99).toFixed(2),
    max: +latencies.at(-1).toFixed(2),
  };
  console.log(result);
  return result;
}

let api;
try {
  api = await start('api', 'API_PORT');
  const accessToken = await benchUser(api.url, 'bench');
  const room = await post(api.url, '/rooms', { name: 'bench' }, accessToken);

  // The measured room: 300 messages persisted by the worker.
  await fill(room.id, 300);
  const worker = await start('worker', 'WORKER_PORT');
  while ((await redis.xlen(RedisKeys.roomStream(room.id))) > 0) await new Promise((r) => setTimeout(r, 50));
  await stopChild(worker.child);
  // A short unpersisted tail (fewer than a page), so every page merges the stream with MongoDB.
  await fill(room.id, 30, 300);

  await measure(api.url, accessToken, room.id, 'warm-up');
  const raw = await measureRawPage(room.id, 'raw driver find (DB ceiling)');
  const empty = await measure(api.url, accessToken, room.id, 'no backlog');

  const perRoom = BACKLOG / BACKLOG_ROOMS;
  for (let r = 0; r < BACKLOG_ROOMS; r++) await fill(`backlog${String(r).padStart(17, '0')}`, perRoom);
  const dirty = await dirtyRoomCount(redis);
  console.log(`[bench] backlog: ${BACKLOG} entries in ${dirty - 1} other rooms' streams`);
  const loaded = await measure(api.url, accessToken, room.id, `${BACKLOG} backlog`);

  const report = {
    when: new Date().toISOString(),
    database: bench.database,
    settings: { REQUESTS, CONCURRENCY, PAGE, BACKLOG, BACKLOG_ROOMS },
    raw,
    empty,
    loaded,
    p99Ratio: +(loaded.p99 / empty.p99).toFixed(2),
    throughputVsDatabaseCeiling: +(empty.reqPerSec / raw.reqPerSec).toFixed(2),
  };
  console.table([raw, empty, loaded]);
  console.log(`[bench] p99 with backlog / without: ${report.p99Ratio}`);
  console.log(
    `[bench] history req/s as a share of the raw page query's: ${report.throughputVsDatabaseCeiling}`,
  );
  mkdirSync(join(ROOT_DIR, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT_DIR, 'bench', 'results', 'history-backlog.json'), JSON.stringify(report, null, 2));
} finally {
  if (api) await stopChild(api.child);
  await bench.close();
}
