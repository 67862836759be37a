// History page latency with and without a 100,000-entry backlog of OTHER rooms' messages in Redis.
//   npm run bench:history            (builds first; starts Redis/MongoDB if needed)
// Targets 127.0.0.1 only; bounded: REQUESTS per phase at CONCURRENCY, then it stops.
// Uses its own Redis database (14) and MongoDB database (chat_bench), emptied before and after.
import { spawn } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ensureInfra } from '../scripts/infra.mjs';
import { ROOT_DIR, appEntry } from '../scripts/paths.mjs';

const REQUESTS = Number(process.env.BENCH_REQUESTS || 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY || 10);
const BACKLOG = Number(process.env.BENCH_BACKLOG || 100_000);
const BACKLOG_ROOMS = 1000;
const PAGE = 50;

const { Redis } = await import('ioredis');
const { MongoClient } = await import('mongodb');

const infra = await ensureInfra({ log: (l) => console.log(`[infra] ${l}`) });
const redisUrl = new URL(infra.redisUrl);
redisUrl.pathname = '/14';
const mongoUrl = new URL(infra.mongoUrl);
mongoUrl.pathname = '/chat_bench';
const redis = new Redis(redisUrl.toString());
const mongo = await MongoClient.connect(mongoUrl.toString());
await redis.flushdb();
await mongo.db().dropDatabase();

const freePort = () =>
  new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

async function startApp(name, portVar) {
  const port = await freePort();
  const child = spawn(process.execPath, [appEntry(name)], {
    cwd: ROOT_DIR,
    env: {
      ...process.env,
      REDIS_URL: redisUrl.toString(),
      MONGO_URL: mongoUrl.toString(),
      LOG_LEVEL: 'warn',
      [portVar]: String(port),
      WORKER_INTERVAL_MS: '20',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { url, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not start`);
}
const stop = (child) =>
  new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.kill('SIGTERM'))));

const post = (url, path, body, token) =>
  fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  }).then((r) => r.json());

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
  for (let i = 0; i < n; i++) pipeline.xadd(`chat:{${roomId}}:stream`, '*', 'm', draft(roomId, offset + i));
  pipeline.sadd('chat:dirty-rooms', roomId);
  await pipeline.exec();
}

/** The database's own ceiling: the raw driver's find of the same page, same concurrency. */
async function measureRawPage(roomId, label) {
  const collection = mongo.db().collection('messages');
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
  api = await startApp('api', 'API_PORT');
  const username = `bench${Date.now()}`;
  await post(api.url, '/auth/register', { username, password: 'bench-password' });
  const { accessToken } = await post(api.url, '/auth/login', { username, password: 'bench-password' });
  const room = await post(api.url, '/rooms', { name: 'bench' }, accessToken);

  // The measured room: 300 messages persisted by the worker.
  await fill(room.id, 300);
  const worker = await startApp('worker', 'WORKER_PORT');
  while ((await redis.xlen(`chat:{${room.id}}:stream`)) > 0) await new Promise((r) => setTimeout(r, 50));
  await stop(worker.child);
  // A short unpersisted tail (fewer than a page), so every page merges the stream with MongoDB.
  await fill(room.id, 30, 300);

  await measure(api.url, accessToken, room.id, 'warm-up');
  const raw = await measureRawPage(room.id, 'raw driver find (DB ceiling)');
  const empty = await measure(api.url, accessToken, room.id, 'no backlog');

  const perRoom = BACKLOG / BACKLOG_ROOMS;
  for (let r = 0; r < BACKLOG_ROOMS; r++) await fill(`backlog${String(r).padStart(17, '0')}`, perRoom);
  const dirty = await redis.scard('chat:dirty-rooms');
  console.log(`[bench] backlog: ${BACKLOG} entries in ${dirty - 1} other rooms' streams`);
  const loaded = await measure(api.url, accessToken, room.id, `${BACKLOG} backlog`);

  const report = {
    when: new Date().toISOString(),
    database: infra.mongoUrl,
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
  if (api) await stop(api.child);
  await redis.flushdb();
  await mongo.db().dropDatabase();
  await redis.quit();
  await mongo.close();
  await infra.stop();
}
