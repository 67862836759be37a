// Shared by the benchmarks: a private Redis database (14) and MongoDB database (chat_bench) on
// the infrastructure `npm start` would use, emptied before and after, and app processes from dist/.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { spawnApp, stop } from '../scripts/harness.mjs';
import { ensureInfra } from '../scripts/infra.mjs';
import { ROOT_DIR } from '../scripts/paths.mjs';

export { freePort } from '../scripts/harness.mjs';

export async function benchEnvironment() {
  const { Redis } = await import('ioredis');
  const { MongoClient } = await import('mongodb');
  const infra = await ensureInfra({ log: (line) => console.log(`[infra] ${line}`) });
  const redisUrl = new URL(infra.redisUrl);
  redisUrl.pathname = '/14';
  const mongoUrl = new URL(infra.mongoUrl);
  mongoUrl.pathname = '/chat_bench';
  const redis = new Redis(redisUrl.toString());
  const mongo = await MongoClient.connect(mongoUrl.toString());
  const reset = async () => {
    await redis.flushdb();
    await mongo.db().dropDatabase();
  };
  await reset();
  return {
    database: infra.mongoUrl,
    redisUrl: redisUrl.toString(),
    mongoUrl: mongoUrl.toString(),
    redis,
    db: mongo.db(),
    reset,
    async close() {
      await reset();
      await redis.quit();
      await mongo.close();
      await infra.stop();
    },
  };
}

/** The key layout of libs/redis, from the worker's build (the benchmarks run on dist/). */
export async function redisKeys() {
  const { pathToFileURL } = await import('node:url');
  const { resolve } = await import('node:path');
  const file = resolve(ROOT_DIR, 'dist', 'worker', 'libs', 'redis', 'src', 'redis-keys.js');
  return import(pathToFileURL(file).href);
}

/** Rooms left in the worker's dirty sets, over all partitions. */
export async function dirtyRoomCount(redis) {
  const { RedisKeys, STREAM_PARTITIONS } = await redisKeys();
  let total = 0;
  for (let p = 0; p < STREAM_PARTITIONS; p++) total += await redis.scard(RedisKeys.dirtyRooms(p));
  return total;
}

/**
 * Where the apps' build is read from: this checkout's dist/, or BENCH_APPS_ROOT's (another
 * checkout, e.g. a git worktree of an earlier commit, built there): the same scenarios then
 * measure that code. Run with --no-build, which builds only this checkout.
 */
export const APPS_ROOT = process.env.BENCH_APPS_ROOT ? resolve(process.env.BENCH_APPS_ROOT) : ROOT_DIR;
const entryOf = (name) => resolve(APPS_ROOT, 'dist', name, 'apps', name, 'src', 'main.js');

/** The commit the measured apps were built from, and whether apps/ or libs/ had local edits. */
export function appsBuild() {
  const git = (...args) => spawnSync('git', ['-C', APPS_ROOT, ...args], { encoding: 'utf8' }).stdout.trim();
  return {
    root: APPS_ROOT,
    commit: git('rev-parse', '--short', 'HEAD'),
    uncommittedEdits: git('status', '--porcelain', '--', 'apps', 'libs') !== '',
  };
}

/** Starts a built app with `env` on top of the bench databases; resolves once /health answers. */
export function startApp(name, env, port, nodeArgs = []) {
  return spawnApp(name, {
    env: { LOG_LEVEL: 'warn', ...env },
    port,
    nodeArgs,
    entry: entryOf(name),
    cwd: APPS_ROOT,
    output: ['ignore', 'inherit'],
  });
}

export const stopChild = (child) => stop(child);

export async function post(base, path, body, token) {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  return res.json();
}

/** Registers a user and returns an access token. */
export async function benchUser(api, prefix) {
  const username = `${prefix}${Date.now()}`;
  await post(api, '/auth/register', { username, password: 'bench-password' });
  return (await post(api, '/auth/login', { username, password: 'bench-password' })).accessToken;
}
